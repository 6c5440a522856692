import type { INestApplication, Type } from '@nestjs/common';
import { DocumentBuilder, getSchemaPath, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import {
  CollectionDto, CreateWebhookEndpointDto, EarnPointsDto, ExternalServiceDto, PointsMovementDto, ProblemDto, RateCardDto, RecordCollectionDto,
  RegisterExternalServiceDto, SpendPointsDto, TiersDto, TransactionPageDto, WalletDto, WebhookEndpointDto,
} from './dtos/public-api.dto';
import type { HttpMethod } from './routing/route-table';

/** One proxied operation as documented; every entry must resolve in the route table (route-table spec). */
export interface DocEntry {
  method: HttpMethod;
  path: string;
  tag: string;
  summary: string;
  body?: Type;
  response?: Type;
  status?: number;
  query?: string[];
}

const d = (method: HttpMethod, path: string, tag: string, summary: string, extra: Partial<DocEntry> = {}): DocEntry => ({ method, path, tag, summary, ...extra });

export const DOCUMENTED_ROUTES: DocEntry[] = [
  d('GET', '/v1/wallets/{user_id}', 'wallets', "A user's wallet: balance, held, available, points, tier (residents: their own only).", { response: WalletDto }),
  d('GET', '/v1/wallets/{user_id}/transactions', 'wallets', 'Transactions, newest first, cursor-paginated.', { response: TransactionPageDto, query: ['limit', 'cursor'] }),
  d('POST', '/v1/users/{user_id}/points/earn', 'points', 'Credit points (and optionally cents); service keys with points:earn, admins.', { body: EarnPointsDto, response: PointsMovementDto, status: 201 }),
  d('POST', '/v1/users/{user_id}/points/spend', 'points', 'Spend points; 422 insufficient_points writes nothing.', { body: SpendPointsDto, response: PointsMovementDto, status: 201 }),
  d('GET', '/v1/users/{user_id}/points/history', 'points', 'Points movements only.', { response: PointsMovementDto }),
  d('POST', '/v1/collections', 'collections', 'Record a recycling collection (collectors, admins, collections:create).', { body: RecordCollectionDto, response: CollectionDto, status: 201 }),
  d('GET', '/v1/materials', 'materials', 'The rate card in force.', { response: RateCardDto }),
  d('PUT', '/v1/materials/rate-card', 'materials', 'A new rate card version from a time (admin).', { body: RateCardDto, response: RateCardDto }),
  d('GET', '/v1/tiers', 'tiers', 'Tiers and multipliers (admin).', { response: TiersDto }),
  d('PUT', '/v1/tiers', 'tiers', 'Replace the tiers (admin).', { body: TiersDto, response: TiersDto }),
  d('GET', '/v1/admin/ledger/verify', 'admin', 'Recompute every balance from postings and report mismatches (admin).'),
  d('POST', '/v1/admin/adjustments', 'admin', 'A correcting transfer with a reason (admin).', { status: 201 }),
  d('POST', '/v1/admin/transfers/{transfer_id}/reverse', 'admin', 'Reverse a transfer once (admin).', { status: 201 }),
  d('GET', '/v1/rewards', 'rewards', 'Reward definitions.'),
  d('GET', '/v1/users/{user_id}/rewards', 'rewards', "A user's rewards."),
  d('POST', '/v1/users/{user_id}/rewards', 'rewards', 'Redeem a reward.', { status: 201 }),
  d('GET', '/v1/rewards/{reward_id}', 'rewards', 'One reward definition (a signed-in resident also gets eligibility).'),
  d('POST', '/v1/rewards', 'rewards', 'Create a reward (admin); its stock is a recorded movement.', { status: 201 }),
  d('PATCH', '/v1/rewards/{reward_id}', 'rewards', 'Change a reward (admin); stock changes need stock_reason and never go below what is used.'),
  d('GET', '/v1/rewards/{reward_id}/stock-movements', 'rewards', 'Stock movements of a reward (admin).'),
  d('GET', '/v1/users/{user_id}/rewards/{user_reward_id}', 'rewards', "One of a user's rewards (the code only to the resident and admins)."),
  d('POST', '/v1/users/{user_id}/rewards/{user_reward_id}/cancel', 'rewards', 'Cancel an unused reward with a reason (admin); points back only when refundable_on_cancel.'),
  d('POST', '/v1/reward-codes/validate', 'rewards', "Check a code without side effect (partner keys with rewards:use_codes, their own rewards only).", { status: 200 }),
  d('POST', '/v1/reward-codes/use', 'rewards', 'Use a code once (partner keys with rewards:use_codes); a second use is 409 already_used.', { status: 200 }),
  d('POST', '/v1/reward-codes/uses/{use_id}/rollback', 'rewards', 'Roll back a use within 24 h with a reason (the partner that used it).', { status: 200 }),
  d('GET', '/v1/donations/campaigns', 'donations', 'Donation campaigns.'),
  d('POST', '/v1/donations/campaigns', 'donations', 'Create a campaign (admin).', { status: 201 }),
  d('GET', '/v1/users/{user_id}/donations', 'donations', "A user's donations."),
  d('POST', '/v1/users/{user_id}/donations', 'donations', 'Donate.', { status: 201 }),
  d('GET', '/v1/users/{user_id}/withdrawals', 'withdrawals', "A user's withdrawal requests."),
  d('POST', '/v1/users/{user_id}/withdrawals', 'withdrawals', 'Request a withdrawal.', { status: 201 }),
  d('GET', '/v1/withdrawals', 'withdrawals', 'All withdrawal requests (admin).'),
  d('POST', '/v1/withdrawals/{withdrawal_id}/approve', 'withdrawals', 'Approve a withdrawal (admin, withdrawals:approve).'),
  d('GET', '/v1/users/{user_id}/metrics', 'metrics', "A user's figures per day, week (from Monday) or month in Johannesburg time (residents: their own only).", { query: ['from', 'to', 'granularity'] }),
  d('GET', '/v1/metrics', 'metrics', 'Platform statistics per local day (admin; as /v1/metrics/system).', { query: ['from', 'to', 'granularity'] }),
  d('GET', '/v1/metrics/system', 'metrics', 'Programme figures per day, week (from Monday) or month in Johannesburg time; Accept: text/csv for a CSV export (from and to required) (admin).', { query: ['from', 'to', 'granularity'] }),
  d('GET', '/v1/metrics/users/{user_id}', 'metrics', "Any user's figures per day, week or month; Accept: text/csv for a CSV export (admin).", { query: ['from', 'to', 'granularity'] }),
  d('GET', '/v1/metrics/impact', 'metrics', 'Programme-wide kg by material, CO2 avoided, water saved, trees equivalent (CO2 kg / 22), with the impact factors\' versions and sources.', { query: ['from', 'to'] }),
  d('GET', '/v1/metrics/leaderboard', 'metrics', "Top residents (at most 100; masked handles; ties share a rank, the first there listed first) and the caller's own rank; a closed period is frozen an hour after it ends.", { query: ['period', 'metric', 'limit', 'date'] }),
  d('GET', '/v1/metrics/reconciliation', 'metrics', "A day's earned, donated and withdrawn per user and asset in the metrics against the wallet's ledger; differences listed (admin).", { query: ['date'] }),
  d('GET', '/v1/metrics/impact-factors', 'metrics', 'Versions of the impact factors (grams CO2e and millilitres of water per kg), each with its source (admin).'),
  d('PUT', '/v1/metrics/impact-factors', 'metrics', 'A new version of the impact factors from a time, never in the past (admin).'),
  d('POST', '/v1/webhooks/endpoints', 'webhooks', 'Register a webhook endpoint; the signing secret is returned once.', { body: CreateWebhookEndpointDto, response: WebhookEndpointDto, status: 201 }),
  d('GET', '/v1/webhooks/endpoints', 'webhooks', 'Webhook endpoints.'),
  d('POST', '/v1/webhooks/endpoints/{endpoint_id}/rotate-secret', 'webhooks', 'Rotate the signing secret.', { response: WebhookEndpointDto }),
  d('GET', '/v1/webhooks/endpoints/{endpoint_id}/deliveries', 'webhooks', 'Deliveries of an endpoint.', { query: ['status'] }),
  d('GET', '/v1/webhooks/deliveries/{delivery_id}', 'webhooks', 'A delivery with its attempts.'),
  d('POST', '/v1/webhooks/deliveries/{delivery_id}/retry', 'webhooks', 'Retry a delivery.'),
  d('GET', '/v1/webhooks/events/{event_id}', 'webhooks', 'Sync status of an event per endpoint.'),
  d('POST', '/v1/external/services', 'external services', 'Register an external service.', { body: RegisterExternalServiceDto, response: ExternalServiceDto, status: 201 }),
  d('GET', '/v1/external/services', 'external services', 'Registered external services.'),
  d('POST', '/v1/external/services/{service_ref}/heartbeat', 'external services', 'Record a heartbeat.'),
  d('GET', '/v1/external/services/health', 'external services', 'Health of each service (healthy < 5 min, warning < 1 h, else unhealthy).'),
  d('GET', '/v1/external/{service_id}/wallets/{user_id}', 'external (seed form)', "The seed's form: any route above under /v1/external/{service_id}/…; service_id must be the key's.", { response: WalletDto }),
  d('GET', '/v1/donations/campaigns/{campaign_id}', 'donations', 'A campaign with its progress from the ledger: raised money and points net of refunds, donors, % of each target (capped at 100), days left.'),
  d('PATCH', '/v1/donations/campaigns/{campaign_id}', 'donations', 'Change a campaign (admin): draft → active → completed; a target may rise after activation, never below what was raised.'),
  d('POST', '/v1/donations/campaigns/{campaign_id}/cancel', 'donations', 'Cancel a campaign (admin); one holding money needs disposition refund or redirect.'),
  d('GET', '/v1/donations/campaigns/{campaign_id}/donations', 'donations', "A campaign's donations, public view: anonymous donors only by donor_ref, hidden amounts hidden.", { query: ['limit', 'cursor'] }),
  d('GET', '/v1/donations/campaigns/{campaign_id}/top-donors', 'donations', 'Donors ranked by what they gave (public view).', { query: ['limit'] }),
  d('POST', '/v1/donations/campaigns/{campaign_id}/disbursements', 'donations', 'Request a disbursement to the beneficiary (admin, campaigns:disburse).', { status: 201 }),
  d('POST', '/v1/donations/disbursements/{disbursement_id}/approve', 'donations', 'Approve a disbursement: another admin than the requester; moves the money to payout clearing.'),
  d('POST', '/v1/donations/{donation_id}/refund', 'donations', 'Refund a donation once (admin, donations:refund).'),
  d('GET', '/v1/donations/receipts/export', 'donations', "A tax year's receipts as CSV (admin).", { query: ['tax_year'] }),
  d('GET', '/v1/users/{user_id}/donations/{donation_id}/receipt', 'donations', 'The receipt (Section 18A with a PBO reference) or, for points, the acknowledgement; format=html for a printable page.', { query: ['format'] }),
  d('GET', '/v1/users/{user_id}/withdrawals/{withdrawal_id}', 'withdrawals', 'One withdrawal with its history; the destination masked.'),
  d('POST', '/v1/users/{user_id}/withdrawals/{withdrawal_id}/cancel', 'withdrawals', 'Cancel a withdrawal not yet approved (the hold is released).'),
  d('GET', '/v1/withdrawals/limits', 'withdrawals', 'Withdrawal limits, approval threshold and expiry (admin).'),
  d('PUT', '/v1/withdrawals/limits', 'withdrawals', 'Replace the withdrawal limits (admin).'),
  d('GET', '/v1/withdrawals/{withdrawal_id}', 'withdrawals', 'One withdrawal with its history (admin).'),
  d('POST', '/v1/withdrawals/{withdrawal_id}/reject', 'withdrawals', 'Reject a withdrawal with a note (admin; the hold is released).'),
  d('POST', '/v1/withdrawals/{withdrawal_id}/retry-payout', 'withdrawals', 'Send a payout in needs_review back to the worker (admin, with a note).'),
  d('GET', '/v1/withdrawals/reconciliations', 'withdrawals', 'Daily reconciliations of our payouts with the provider report (admin).', { query: ['day', 'limit'] }),
  d('POST', '/v1/withdrawals/payout-callbacks', 'withdrawals', "The payment provider's Standard Webhooks callbacks: no API key; the signature is verified by the withdrawals-service."),
];

const PROBLEMS: Record<string, string> = {
  '401': 'missing_credentials, invalid_credentials, invalid_token, token_expired, api_key_revoked, api_key_expired, service_id_required, service_id_mismatch',
  '403': 'forbidden, service_mismatch',
  '404': 'not_found (also: another user\'s data)',
  '429': 'rate_limited (Retry-After, RateLimit-* headers)',
  '503': 'service_unavailable',
  '504': 'upstream_timeout',
};

function problemResponses(): Record<string, object> {
  return Object.fromEntries(Object.entries(PROBLEMS).map(([status, codes]) => [status, {
    description: codes,
    content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } } },
  }]));
}

/** The OpenAPI 3 document: the gateway's own controllers from their DTOs, plus every proxied operation above. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('WozaMali Rewards API')
    .setDescription('The public API, through the api-gateway. Services: `Authorization: Bearer wm_live_…` and `X-Service-ID`. '
      + 'Residents, collectors, admins: `Authorization: Bearer <JWT>` (sub = user id, role). Every POST requires `Idempotency-Key` (400 `idempotency_key_required` without it): the same key and body answer the original (200, `Idempotent-Replayed: true`), the same key with another body is 409 `idempotency_key_reused`. '
      + 'Errors are application/problem+json with a stable `code`.')
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key (wm_live_…) or end-user JWT' }, 'bearer')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Service-ID', description: 'Required with an API key' }, 'service-id')
    .addServer('/')
    .build();
  const extraModels = [ProblemDto, ...new Set(DOCUMENTED_ROUTES.flatMap((e) => [e.body, e.response]).filter((t): t is Type => !!t))];
  const doc = SwaggerModule.createDocument(app, config, { extraModels });
  doc.security = [{ bearer: [] }, { bearer: [], 'service-id': [] }];
  for (const entry of DOCUMENTED_ROUTES) {
    const params = [...entry.path.matchAll(/\{([a-z_]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string', ...(m[1] === 'user_id' ? { format: 'uuid' } : {}) } }));
    const query = (entry.query ?? []).map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } }));
    // Every POST of every service needs the key (400 idempotency_key_required without it).
    const headers = entry.method !== 'POST' ? [] : [{ name: 'Idempotency-Key', in: 'header', required: true, schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' }, example: '0b1e6d1e-collection-2026-11-25-001' }];
    const status = String(entry.status ?? 200);
    const op = {
      tags: [entry.tag],
      summary: entry.summary,
      operationId: `${entry.method.toLowerCase()}${entry.path.replace(/[{}]/g, '').replace(/[/-](\w)/g, (_m, c: string) => c.toUpperCase())}`,
      parameters: [...params, ...query, ...headers, { name: 'X-Request-ID', in: 'header', required: false, schema: { type: 'string' } }],
      ...(entry.body ? { requestBody: { required: true, content: { 'application/json': { schema: { $ref: getSchemaPath(entry.body) } } } } } : {}),
      responses: {
        [status]: { description: 'OK', ...(entry.response ? { content: { 'application/json': { schema: { $ref: getSchemaPath(entry.response) } } } } : {}) },
        ...problemResponses(),
      },
    };
    const key = entry.path;
    doc.paths[key] = { ...(doc.paths[key] ?? {}), [entry.method.toLowerCase()]: op };
  }
  for (const item of Object.values(doc.paths)) {
    for (const op of Object.values(item) as { responses?: Record<string, object> }[]) {
      if (op && typeof op === 'object' && op.responses) op.responses = { ...problemResponses(), ...op.responses };
    }
  }
  return doc;
}

/** Serves the UI at /docs and the document at /openapi.json. */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
}
