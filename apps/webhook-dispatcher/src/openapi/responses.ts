// The webhook-dispatcher's success answers as JSON Schema, per controller method (`Controller.method`).
// The gateway's OpenAPI merges them with the operations emitted from this service's controllers and
// DTOs (apps/webhook-dispatcher/openapi.json, rewritten by `npm run build`); the contract test
// (apps/api-gateway/test/e2e/contract-drift.e2e-spec.ts) validates real answers against them.

type Schema = Record<string, unknown>;
const nullable = (type: string, extra: Schema = {}): Schema => ({ type: [type, 'null'], ...extra });
const uuid: Schema = { type: 'string', format: 'uuid' };
const time: Schema = { type: 'string', format: 'date-time' };
const PAGE = (item: Schema): Schema => ({ type: 'object', required: ['data', 'next_cursor'], properties: { data: { type: 'array', items: item }, next_cursor: nullable('string') } });

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

const DEAD_LETTER: Schema = {
  type: 'object',
  required: ['id', 'topic', 'partition', 'offset', 'consumer', 'event_id', 'event_type', 'error', 'dead_lettered_at', 'test_poison', 'replayed_from', 'actions'],
  properties: {
    id: { type: 'string', example: 'wozamali.wallet.events.dlq-0-42' }, topic: { type: 'string' }, partition: { type: 'integer' }, offset: { type: 'string' },
    consumer: nullable('string'), event_id: nullable('string'), event_type: nullable('string'), error: nullable('string'), dead_lettered_at: time,
    test_poison: { type: 'boolean' }, replayed_from: nullable('string'), actions: { type: 'array', items: { type: 'string', enum: ['replay'] } },
  },
};

export const RESPONSES: Record<string, { schema?: Schema; summary?: string; requestExample?: unknown }> = {
  'EndpointsController.create': {
    summary: 'Register a webhook endpoint; its signing secret is in this answer only',
    schema: { allOf: [ENDPOINT, { type: 'object', required: ['secret'], properties: { secret: { type: 'string', pattern: '^whsec_' } } }] },
    requestExample: { url: 'https://partner.example.org/webhooks/wozamali', events: ['wallet_update', 'reward_issue'], description: 'notification service' },
  },
  'EndpointsController.list': { summary: 'Webhook endpoints', schema: PAGE(ENDPOINT) },
  'EndpointsController.get': { summary: 'One webhook endpoint', schema: ENDPOINT },
  'EndpointsController.update': { summary: 'Change an endpoint (url, events, description, enabled)', schema: ENDPOINT, requestExample: { description: 'notification service (v2)' } },
  'EndpointsController.remove': { summary: 'Remove an endpoint' },
  'EndpointsController.secret': { summary: "An endpoint's signing secret", schema: { type: 'object', required: ['secret'], properties: { secret: { type: 'string' } } } },
  'EndpointsController.rotate': {
    summary: 'Rotate the signing secret (the old one keeps verifying for a while)',
    schema: { type: 'object', required: ['id', 'secret', 'previous_secret_expires_at'], properties: { id: uuid, secret: { type: 'string' }, previous_secret_expires_at: time } },
  },
  'EndpointsController.recover': { summary: 'Re-send what an endpoint missed since a time', schema: { type: 'object', required: ['id', 'requeued'], properties: { id: uuid, requeued: { type: 'integer' } } } },
  'EndpointsController.test': {
    summary: 'Send an example event to the endpoint',
    schema: { type: 'object', required: ['event_id', 'delivery_id', 'event_type'], properties: { event_id: uuid, delivery_id: uuid, event_type: { type: 'string' } } },
    requestExample: { event_type: 'wallet_update' },
  },
  'EventTypesController.list': {
    summary: 'Every event type an endpoint can subscribe to, with the JSON Schema of its data',
    schema: PAGE({ type: 'object', required: ['type', 'version', 'schema'], properties: { type: { type: 'string' }, version: { type: 'integer' }, schema: { type: 'object' } } }),
  },
  'DeadLettersController.list': { summary: 'Events a consumer gave up on (every `.dlq` topic), newest first, each with the actions allowed on it', schema: PAGE(DEAD_LETTER) },
  'DeadLettersController.replay': {
    summary: 'Publish one dead letter again to its topic, for the consumer that gave up on it (its inbox makes a repeat a no-op)',
    schema: { type: 'object', required: ['id', 'topic', 'consumer', 'replayed'], properties: { id: { type: 'string' }, topic: { type: 'string' }, consumer: { type: 'string' }, replayed: { type: 'integer' } } },
  },
  'ExternalServicesController.register': {
    summary: 'Register an external service', schema: SERVICE,
    requestExample: { name: 'notify', type: 'notification', base_url: 'https://notify.example.org' },
  },
  'ExternalServicesController.list': { summary: 'Registered external services', schema: PAGE(SERVICE) },
  'ExternalServicesController.get': { summary: 'One registered external service', schema: SERVICE },
  'ExternalServicesController.update': { summary: 'Change a registered service', schema: SERVICE },
  'ExternalServicesController.remove': { summary: 'Remove a registered service' },
  'ExternalServicesController.heartbeat': { summary: 'Record a heartbeat', schema: SERVICE },
  'ExternalServicesController.health': {
    summary: 'Health of each service from its heartbeats (healthy < 5 min, warning < 1 h, else unhealthy)',
    schema: PAGE({ type: 'object', required: ['id', 'name', 'type', 'last_heartbeat_at', 'health_status'], properties: { id: uuid, name: { type: 'string' }, type: { type: 'string' }, last_heartbeat_at: nullable('string', { format: 'date-time' }), health_status: HEALTH } }),
  },
};
