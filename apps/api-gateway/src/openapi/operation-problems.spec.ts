import { statusOf as gatewayStatusOf, type GatewayCode } from '../errors/gateway.exception';
import { mergeSpecs, platformCodes } from './merge';
import type { ServiceSpec } from './emit-service';
import { emitFromApp, SERVICE_APPS } from './service-specs';

/** Codes an operation lists that its service's code→status table does not have (or has with another status). */
function undeclaredCodes(spec: ServiceSpec): string[] {
  const out: string[] = [];
  for (const op of spec.operations) {
    if (!op.response?.errors) { out.push(`${spec.service} ${op.handler}: declares no problem codes`); continue; }
    for (const [status, codes] of Object.entries(op.response.errors)) {
      for (const code of codes) {
        const actual = Object.entries(spec.errors).find(([, list]) => list.includes(code))?.[0];
        if (actual !== status) out.push(`${spec.service} ${op.handler}: ${code} listed as ${status}, the service's table says ${actual ?? 'nothing'}`);
      }
    }
  }
  return out;
}

describe("each operation's problem codes", () => {
  // Emitted from the sources (controllers, responses modules, the errors' statusOf switches), as the build does.
  const specs = Object.fromEntries(Object.entries(SERVICE_APPS).map(([backend, app]) => [backend, emitFromApp(app, 'src')]));

  it("name only codes of their service's code→status table, each with the table's status; every operation declares its list", () => {
    expect(Object.values(specs).flatMap(undeclaredCodes)).toEqual([]);
    // The operations the route table publishes carry declared lists (58+ service operations).
    expect(Object.values(specs).reduce((n, s) => n + s.operations.filter((o) => o.response?.errors).length, 0)).toBeGreaterThanOrEqual(58);
  });

  it('a list naming a code the table lacks, or with another status, is reported', () => {
    const wallet = structuredClone(specs.wallet);
    const spend = wallet.operations.find((o) => o.handler === 'PointsController.spend')!;
    spend.response = { ...spend.response, errors: { ...spend.response!.errors, 409: ['insufficient_points'], 422: ['no_such_code'] } };
    expect(undeclaredCodes(wallet)).toEqual([
      'wallet-service PointsController.spend: insufficient_points listed as 409, the service\'s table says 422',
      'wallet-service PointsController.spend: no_such_code listed as 422, the service\'s table says nothing',
    ]);
  });

  it("the platform-wide codes are the gateway's with the gateway's statuses, and idempotency codes only on writes", () => {
    const all = platformCodes({ isWrite: true, authenticated: true, hasPathParams: true, hasBody: true, proxied: true });
    // Codes of the shared HTTP layer and the idempotency store, not of the gateway's own table.
    const sharedLayer = new Set(['malformed_request', 'payload_too_large', 'unsupported_media_type', 'idempotency_key_required', 'idempotency_key_reused']);
    for (const [status, codes] of Object.entries(all)) {
      for (const code of codes.filter((c) => !sharedLayer.has(c))) expect([code, gatewayStatusOf(code as GatewayCode)]).toEqual([code, Number(status)]);
    }
    const read = platformCodes({ isWrite: false, authenticated: true, hasPathParams: false, hasBody: false, proxied: true });
    expect(Object.values(read).flat()).not.toEqual(expect.arrayContaining(['idempotency_key_required']));
    expect(Object.keys(read).sort()).toEqual(['400', '401', '403', '429', '503', '504']);
  });

  it('the merged document lists, per status, the platform codes for the operation plus its own', () => {
    const { doc } = mergeSpecs({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: {} } as never, specs);
    type Op = { responses: Record<string, { content?: Record<string, { schema: { allOf: { properties?: { code: { enum: string[] } } }[] } }> }> };
    const enumOf = (p: string, m: string, status: string) => ((doc.paths[p] as Record<string, Op>)[m].responses[status]?.content?.['application/problem+json'].schema.allOf[1].properties!.code.enum);
    expect(enumOf('/v1/users/{user_id}/points/spend', 'post', '422')).toEqual(['amount_out_of_range', 'insufficient_funds', 'insufficient_points']);
    expect(enumOf('/v1/users/{user_id}/points/spend', 'post', '409')).toEqual(['idempotency_key_reused']);
    expect(enumOf('/v1/rewards/{reward_id}', 'get', '404')).toEqual(['not_found', 'reward_not_found']);
    expect(enumOf('/v1/rewards/{reward_id}', 'get', '409')).toBeUndefined();
    expect(enumOf('/v1/webhooks/events/{eventId}', 'get', '410')).toEqual(['event_expired']);
    // The provider's signed callback: no gateway authentication codes, its own 401.
    expect(enumOf('/v1/withdrawals/payout-callbacks', 'post', '401')).toEqual(['invalid_signature']);
  });
});
