// The webhook-dispatcher's success answers as JSON Schema, per controller method (`Controller.method`).
// The gateway's OpenAPI merges them with the operations emitted from this service's controllers and
// DTOs (apps/webhook-dispatcher/openapi.json, rewritten by `npm run build`); the contract test
// (apps/api-gateway/test/e2e/contract-drift.e2e-spec.ts) validates real answers against them.
import { openapi, type DeclaredResponse } from '@wozamali/contracts';
import { statusOf, type WebhookErrorCode } from '../errors/webhook.exception';

type Schema = openapi.Schema;
const { nullable, uuid, time, page: PAGE } = openapi;

const ENDPOINT: Schema = {
  type: 'object',
  required: ['id', 'url', 'events', 'description', 'service_id', 'enabled', 'disabled_reason', 'disabled_at', 'failing_since', 'created_at', 'updated_at'],
  properties: {
    id: uuid, url: { type: 'string' }, events: { type: 'array', items: { type: 'string' } }, description: nullable('string'), service_id: nullable('string', { format: 'uuid' }),
    enabled: { type: 'boolean' }, disabled_reason: nullable('string'), disabled_at: nullable('string', { format: 'date-time' }), failing_since: nullable('string', { format: 'date-time' }),
    created_at: time, updated_at: time,
  },
};

const HEALTH = { type: 'string', enum: ['healthy', 'warning', 'unhealthy'] };
const SERVICE: Schema = {
  type: 'object',
  required: ['id', 'name', 'type', 'base_url', 'health_url', 'last_heartbeat_at', 'health_status', 'created_at', 'updated_at'],
  properties: {
    id: uuid, name: { type: 'string' }, type: { type: 'string' }, base_url: { type: 'string' }, health_url: nullable('string'),
    last_heartbeat_at: nullable('string', { format: 'date-time' }), health_status: HEALTH, last_probe_at: nullable('string', { format: 'date-time' }),
    last_probe_ok: nullable('boolean'), last_probe_error: nullable('string'), created_at: time, updated_at: time,
  },
};

// As services/delivery.service.ts answers them (view, attemptView, eventStatus).
const DELIVERY_STATUS = { type: 'string', enum: ['pending', 'delivered', 'failed', 'dead'] };
const maybeTime = nullable('string', { format: 'date-time' });
const DELIVERY_FIELDS: Record<string, Schema> = {
  id: uuid, event_id: uuid, event_type: { type: 'string' }, endpoint_id: uuid, status: DELIVERY_STATUS, priority: { type: 'integer' }, attempt_count: { type: 'integer' },
  next_attempt_at: maybeTime, last_attempt_at: maybeTime, delivered_at: maybeTime, created_at: time, updated_at: time,
};
const DELIVERY: Schema = { type: 'object', required: Object.keys(DELIVERY_FIELDS), properties: DELIVERY_FIELDS };
const ATTEMPT: Schema = {
  type: 'object',
  required: ['id', 'attempt', 'attempted_at', 'status_code', 'duration_ms', 'response_snippet', 'error'],
  properties: { id: uuid, attempt: { type: 'integer' }, attempted_at: time, status_code: nullable('integer'), duration_ms: nullable('integer'), response_snippet: nullable('string'), error: nullable('string') },
};
const COUNTS: Schema = { type: 'object', required: ['pending', 'delivered', 'failed', 'dead'], properties: { pending: { type: 'integer' }, delivered: { type: 'integer' }, failed: { type: 'integer' }, dead: { type: 'integer' } } };
const EVENT_STATUS: Schema = {
  type: 'object',
  required: ['event_id', 'type', 'occurred_at', 'status', 'counts', 'deliveries'],
  properties: {
    event_id: uuid, type: { type: 'string' }, occurred_at: maybeTime, consumed_at: { ...time, description: 'only when no endpoint was subscribed' },
    status: { type: 'string', enum: ['no_endpoints', 'pending', 'delivered', 'failed', 'dead'], description: 'the worst of its deliveries' }, counts: COUNTS,
    deliveries: {
      type: 'array',
      items: {
        type: 'object', required: ['delivery_id', 'endpoint_id', 'status', 'attempt_count', 'delivered_at', 'last_attempt_at', 'next_attempt_at'],
        properties: { delivery_id: uuid, endpoint_id: uuid, status: DELIVERY_STATUS, attempt_count: { type: 'integer' }, delivered_at: maybeTime, last_attempt_at: maybeTime, next_attempt_at: maybeTime },
      },
    },
  },
};

const DEAD_LETTER: Schema = {
  type: 'object',
  required: ['id', 'topic', 'partition', 'offset', 'consumer', 'event_id', 'event_type', 'error', 'dead_lettered_at', 'test_poison', 'replayed_from', 'actions'],
  properties: {
    id: { type: 'string', example: 'wozamali.wallet.events.dlq-0-42' }, topic: { type: 'string' }, partition: { type: 'integer' }, offset: { type: 'string' },
    consumer: nullable('string'), event_id: nullable('string'), event_type: nullable('string'), error: nullable('string'), dead_lettered_at: time,
    test_poison: { type: 'boolean' }, replayed_from: nullable('string'), actions: { type: 'array', items: { type: 'string', enum: ['replay'] } },
  },
};

/** The service's own problem codes an operation answers with (statuses from its code table); the gateway adds the platform's. */
const p = (...codes: WebhookErrorCode[]) => openapi.problems(statusOf, ...codes);

export const RESPONSES: Record<string, DeclaredResponse> = {
  'EndpointsController.create': { errors: p('service_not_found', 'url_not_allowed'),
    summary: 'Register a webhook endpoint; its signing secret is in this answer only',
    schema: { allOf: [ENDPOINT, { type: 'object', required: ['secret'], properties: { secret: { type: 'string', pattern: '^whsec_' } } }] },
    requestExample: { url: 'https://partner.example.org/webhooks/wozamali', events: ['wallet_update', 'reward_issue'], description: 'notification service' },
  },
  'EndpointsController.list': { errors: {}, summary: 'Webhook endpoints', schema: PAGE(ENDPOINT) },
  'EndpointsController.get': { errors: p('endpoint_not_found'), operationId: 'webhooksEndpointsGet', summary: 'One webhook endpoint', schema: ENDPOINT },
  'EndpointsController.update': { errors: p('endpoint_not_found', 'url_not_allowed'), summary: 'Change an endpoint (url, events, description, enabled)', schema: ENDPOINT, requestExample: { description: 'notification service (v2)' } },
  'EndpointsController.remove': { errors: p('endpoint_not_found'), summary: 'Remove an endpoint' },
  'EndpointsController.secret': { errors: p('endpoint_not_found'), operationId: 'webhooksEndpointSecret', summary: "An endpoint's signing secret", schema: { type: 'object', required: ['secret'], properties: { secret: { type: 'string' } } } },
  'EndpointsController.rotate': { errors: p('endpoint_not_found'), operationId: 'webhooksRotateSecret',
    summary: 'Rotate the signing secret (the old one keeps verifying for a while)',
    schema: { type: 'object', required: ['id', 'secret', 'previous_secret_expires_at'], properties: { id: uuid, secret: { type: 'string' }, previous_secret_expires_at: time } },
  },
  'EndpointsController.recover': { errors: p('endpoint_not_found'), summary: 'Re-send what an endpoint missed since a time', schema: { type: 'object', required: ['id', 'requeued'], properties: { id: uuid, requeued: { type: 'integer' } } } },
  'EndpointsController.test': { errors: p('endpoint_not_found', 'endpoint_disabled', 'event_type_not_subscribed'),
    summary: 'Send an example event to the endpoint',
    schema: { type: 'object', required: ['event_id', 'delivery_id', 'event_type'], properties: { event_id: uuid, delivery_id: uuid, event_type: { type: 'string' } } },
    requestExample: { event_type: 'wallet_update' },
  },
  'EndpointsController.deliveriesOf': { errors: p('endpoint_not_found'), operationId: 'webhooksEndpointDeliveriesList', summary: "An endpoint's deliveries, newest first", schema: PAGE(DELIVERY) },
  'DeliveriesController.get': { errors: p('delivery_not_found'), operationId: 'webhooksDeliveriesGet', summary: 'One delivery with its attempts', schema: { allOf: [DELIVERY, { type: 'object', required: ['attempts'], properties: { attempts: { type: 'array', items: ATTEMPT } } }] } },
  'DeliveriesController.retry': { errors: p('delivery_not_found', 'endpoint_disabled'), operationId: 'webhooksDeliveriesRetry', summary: 'Send a delivery again now, with a fresh retry cycle', schema: DELIVERY },
  'DeliveriesController.event': { errors: p('event_not_found', 'event_expired'), operationId: 'webhooksEventStatus', summary: "An event's delivery status, per endpoint", schema: EVENT_STATUS },
  'EventTypesController.list': { errors: {},
    summary: 'Every event type an endpoint can subscribe to, with the JSON Schema of its data',
    schema: PAGE({ type: 'object', required: ['type', 'version', 'schema'], properties: { type: { type: 'string' }, version: { type: 'integer' }, schema: { type: 'object' } } }),
  },
  'DeadLettersController.list': { errors: {}, summary: 'Events a consumer gave up on (every `.dlq` topic), newest first, each with the actions allowed on it', schema: PAGE(DEAD_LETTER) },
  'DeadLettersController.replay': {
    errors: p('dead_letter_not_found', 'dead_letter_not_replayable'),
    summary: 'Publish one dead letter again to its topic, for the consumer that gave up on it (its inbox makes a repeat a no-op)',
    schema: { type: 'object', required: ['id', 'topic', 'consumer', 'replayed'], properties: { id: { type: 'string' }, topic: { type: 'string' }, consumer: { type: 'string' }, replayed: { type: 'integer' } } },
  },
  'ExternalServicesController.register': { errors: p('service_name_taken'),
    summary: 'Register an external service', schema: SERVICE,
    requestExample: { name: 'notify', type: 'notification', base_url: 'https://notify.example.org' },
  },
  'ExternalServicesController.list': { errors: {}, summary: 'Registered external services', schema: PAGE(SERVICE) },
  'ExternalServicesController.get': { errors: p('service_not_found'), summary: 'One registered external service', schema: SERVICE },
  'ExternalServicesController.update': { errors: p('service_not_found', 'service_name_taken'), summary: 'Change a registered service', schema: SERVICE },
  'ExternalServicesController.remove': { errors: p('service_not_found'), summary: 'Remove a registered service' },
  'ExternalServicesController.heartbeat': { errors: p('service_not_found'), summary: 'Record a heartbeat', schema: SERVICE },
  'ExternalServicesController.health': { errors: {},
    summary: 'Health of each service from its heartbeats (healthy < 5 min, warning < 1 h, else unhealthy)',
    schema: PAGE({ type: 'object', required: ['id', 'name', 'type', 'last_heartbeat_at', 'health_status'], properties: { id: uuid, name: { type: 'string' }, type: { type: 'string' }, last_heartbeat_at: nullable('string', { format: 'date-time' }), health_status: HEALTH } }),
  },
};
