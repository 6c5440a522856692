import { r, type RouteRule } from '../route-rule';

/** Public routes served by the webhook-dispatcher: webhooks, the external services registry and the dead-letter topics. */
export const WEBHOOKS_ROUTES: readonly RouteRule[] = [
  // An endpoint's signing secret lets its holder forge webhooks: reading it needs write, not read.
  r('GET', '/v1/webhooks/endpoints/{endpoint_id}/secret', 'webhooks', 'webhooks', 'write', 'admin'),
  r('GET', '/v1/webhooks/**', 'webhooks', 'webhooks', 'read', 'admin'),
  r('POST', '/v1/webhooks/**', 'webhooks', 'webhooks', 'write', 'admin'),
  r('PUT', '/v1/webhooks/**', 'webhooks', 'webhooks', 'write', 'admin'),
  r('PATCH', '/v1/webhooks/**', 'webhooks', 'webhooks', 'write', 'admin'),
  r('DELETE', '/v1/webhooks/**', 'webhooks', 'webhooks', 'write', 'admin'),
  r('POST', '/v1/external/services', 'webhooks', 'external_services', 'register', 'admin'),
  r('POST', '/v1/external/services/{service_ref}/heartbeat', 'webhooks', 'external_services', 'heartbeat', 'admin'),
  r('GET', '/v1/external/services', 'webhooks', 'external_services', 'read', 'admin'),
  r('GET', '/v1/external/services/**', 'webhooks', 'external_services', 'read', 'admin'),
  r('PATCH', '/v1/external/services/{service_ref}', 'webhooks', 'external_services', 'write', 'admin'),
  r('DELETE', '/v1/external/services/{service_ref}', 'webhooks', 'external_services', 'write', 'admin'),
  r('GET', '/v1/dead-letters', 'webhooks', 'dead_letters', 'read', 'admin'),
  r('POST', '/v1/dead-letters/{dead_letter_id}/replay', 'webhooks', 'dead_letters', 'replay', 'admin'),
];
