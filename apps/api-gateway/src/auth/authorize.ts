import { canonicalUuid, isAllowed, type Principal } from '@wozamali/auth';
import { GatewayException } from '../errors/gateway.exception';
import type { RouteMatch } from '../routing/route-table';

/**
 * Decides whether `principal` may make the matched call; throws the denial. A resident asking for
 * anyone else's data gets the same 404 as for an id that does not exist, so ids cannot be probed.
 */
export function authorize(principal: Principal, match: RouteMatch, body: unknown): void {
  const { rule } = match;
  if (principal.type === 'service') {
    if (match.externalServiceId !== null && match.externalServiceId !== principal.serviceId) {
      throw new GatewayException('service_mismatch', 'the service id in the path is not the service of this key');
    }
    if (!isAllowed(principal.permissions, rule.resource, rule.action)) {
      throw new GatewayException('forbidden', `this key lacks the permission ${rule.resource}:${rule.action}`, { required_permission: `${rule.resource}:${rule.action}` });
    }
    return;
  }
  if (match.externalServiceId !== null) throw new GatewayException('forbidden', 'the /v1/external/{service_id}/… form is for service keys');
  if (principal.role === 'admin') return;
  switch (rule.users) {
    case 'any_user':
      return;
    case 'own':
      if (canonicalUuid(match.params.user_id) !== principal.userId) throw new GatewayException('not_found', 'no such resource');
      return;
    case 'collector':
      if (principal.role !== 'collector') throw new GatewayException('forbidden', 'only collectors and admins may do this');
      // A collector records under their own name, never another collector's.
      if (isObject(body) && body.collector_id !== undefined && canonicalUuid(body.collector_id) !== principal.userId) {
        throw new GatewayException('forbidden', 'collector_id must be your own user id');
      }
      return;
    case 'admin':
      throw new GatewayException('forbidden', 'admins only');
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
