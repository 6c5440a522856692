// The wallet-service's success answers as JSON Schema, per controller method (`Controller.method`).
// The gateway's OpenAPI merges them with the operations emitted from this service's controllers and
// DTOs (apps/wallet-service/openapi.json, rewritten by `npm run build`); the contract test
// (apps/api-gateway/test/e2e/contract-drift.e2e-spec.ts) validates real answers against them.
import { openapi, type DeclaredResponse } from '@wozamali/contracts';
import { statusOf, type WalletErrorCode } from '../errors/wallet.exception';

type Schema = openapi.Schema;
const { nullable, uuid, time } = openapi;
const cents: Schema = { type: 'integer' };

const WALLET: Schema = {
  type: 'object',
  required: ['user_id', 'wallet_id', 'currency', 'balance', 'held', 'available', 'points', 'lifetime_points', 'tier', 'next_tier', 'points_to_next_tier', 'updated_at'],
  properties: {
    user_id: uuid,
    wallet_id: nullable('string', { format: 'uuid' }),
    currency: { type: 'string', enum: ['ZAR'] },
    balance: { ...cents, description: 'cents, held money included' },
    held: { ...cents, description: 'cents held for pending withdrawals' },
    available: { ...cents, description: 'balance − held, cents' },
    points: { type: 'integer' },
    lifetime_points: { type: 'integer' },
    tier: { type: 'string' },
    next_tier: nullable('string'),
    points_to_next_tier: nullable('integer'),
    updated_at: nullable('string', { format: 'date-time' }),
  },
};

const TRANSACTION: Schema = {
  type: 'object',
  required: ['id', 'kind', 'money_change', 'points_change', 'balance_after', 'points_after', 'currency', 'description', 'reference', 'created_at'],
  properties: {
    id: uuid, kind: { type: 'string' }, money_change: cents, points_change: { type: 'integer' },
    balance_after: nullable('integer'), points_after: nullable('integer'), currency: { type: 'string', enum: ['ZAR'] },
    description: { type: 'string' }, reference: nullable('string'), reverses_transfer_id: nullable('string'), hold_id: nullable('string'), created_at: time,
  },
};

const PAGE = openapi.page;

const USER_WRITE: Schema = {
  type: 'object',
  required: ['transfer_id', 'user_id', 'kind', 'points', 'amount', 'currency', 'created_at', 'wallet'],
  properties: { transfer_id: uuid, user_id: nullable('string'), kind: { type: 'string' }, points: { type: 'integer' }, amount: cents, currency: { type: 'string', enum: ['ZAR'] }, created_at: time, wallet: WALLET },
};

// As ledger/catalog.service.ts answers them (RateCard, { tiers: Tier[] }).
const RATE_CARD: Schema = {
  type: 'object',
  required: ['version', 'effective_from', 'materials'],
  properties: {
    version: { type: 'integer' }, effective_from: time,
    materials: {
      type: 'array',
      items: {
        type: 'object',
        required: ['code', 'name', 'cents_per_kg', 'points_per_kg', 'fund_share_bp', 'co2_g_per_kg', 'water_ml_per_kg'],
        properties: {
          code: { type: 'string' }, name: { type: 'string' }, cents_per_kg: cents, points_per_kg: { type: 'integer' },
          fund_share_bp: { type: 'integer', description: "basis points of the cents going to the Green Scholar Fund" },
          co2_g_per_kg: { type: 'integer' }, water_ml_per_kg: { type: 'integer' },
        },
      },
    },
  },
};
const TIERS: Schema = {
  type: 'object',
  required: ['tiers'],
  properties: {
    tiers: {
      type: 'array',
      items: {
        type: 'object', required: ['code', 'name', 'min_lifetime_points', 'multiplier_bp'],
        properties: { code: { type: 'string' }, name: { type: 'string' }, min_lifetime_points: { type: 'integer' }, multiplier_bp: { type: 'integer', description: 'earn multiplier in basis points (10000 = 1x)' } },
      },
    },
  },
};

const USER = '8d7f5a9e-2c41-4b3e-9f0a-1e6c2d4b7a90';

/** The service's own problem codes an operation answers with (statuses from its code table); the gateway adds the platform's. */
const p = (...codes: WalletErrorCode[]) => openapi.problems(statusOf, ...codes);

export const RESPONSES: Record<string, DeclaredResponse> = {
  'WalletsController.get': { errors: p('invalid_id'),
    summary: "A user's wallet: balance, held, available, points, tier (residents: their own only)",
    schema: WALLET,
    example: { user_id: USER, wallet_id: null, currency: 'ZAR', balance: 2575, held: 0, available: 2575, points: 450, lifetime_points: 450, tier: 'bronze', next_tier: 'silver', points_to_next_tier: 550, updated_at: '2026-11-25T10:00:00.000Z' },
  },
  'WalletsController.transactions': { errors: p('invalid_id'), summary: "A user's transactions, newest first", schema: PAGE(TRANSACTION) },
  'PointsController.history': { errors: p('invalid_id'), summary: "A user's points movements, newest first", schema: PAGE(TRANSACTION) },
  'PointsController.earn': { errors: p('invalid_id', 'amount_out_of_range', 'ledger_busy'),
    summary: 'Credit points (and optionally cents) to a user', schema: USER_WRITE,
    requestExample: { points: 100, reason: 'Partner reward', reference: 'partner-order-1234' },
  },
  'PointsController.spend': { errors: p('invalid_id', 'insufficient_points', 'insufficient_funds', 'amount_out_of_range', 'ledger_busy'),
    summary: "Spend a user's points (422 insufficient_points writes nothing)", schema: USER_WRITE,
    requestExample: { points: 50, reason: 'Airtime voucher', reference: 'voucher-991' },
  },
  'CollectionsController.record': { errors: p('invalid_id', 'invalid_weight', 'collector_mismatch', 'collection_already_recorded', 'no_rate_card', 'unknown_material', 'amount_out_of_range', 'ledger_busy'),
    summary: "Record a recycling collection (a collector's own collector_id)",
    schema: { type: 'object', required: ['transfer_id', 'wallet'], properties: { transfer_id: uuid, wallet: WALLET } },
    requestExample: { user_id: USER, materials: [{ material: 'PET', kg: '5' }] },
  },
  'CollectionsController.materials': { errors: p('no_rate_card'), operationId: 'materialsGetRateCard', summary: 'The rate card in force', schema: RATE_CARD },
  'CollectionsController.putRateCard': { errors: p('invalid_rate_card'), summary: 'A new rate card version from a time (admin)', schema: RATE_CARD },
  'CollectionsController.tiers': { errors: {}, operationId: 'tiersList', summary: 'Tiers and multipliers', schema: TIERS },
  'CollectionsController.putTiers': { errors: p('invalid_tiers'), operationId: 'tiersReplace', summary: 'Replace the tiers (admin)', schema: TIERS },
  'AdminController.verify': { errors: {},
    summary: 'Recompute every balance from its postings and report mismatches (admin)',
    schema: { type: 'object', required: ['ok', 'accounts_checked', 'transfers_checked', 'mismatches'], properties: { ok: { type: 'boolean' }, accounts_checked: { type: 'integer' }, transfers_checked: { type: 'integer' }, mismatches: { type: 'array', items: { type: 'object' } } } },
  },
  'AdminController.adjust': { errors: p('invalid_id', 'insufficient_points', 'insufficient_funds', 'amount_out_of_range', 'ledger_busy'), summary: 'A correcting transfer with a reason (admin)', schema: USER_WRITE },
  'AdminController.reverse': { errors: p('invalid_id', 'transfer_not_permitted', 'transfer_not_found', 'transfer_already_reversed', 'transfer_not_reversible', 'insufficient_points', 'insufficient_funds', 'ledger_busy'), summary: 'Reverse a transfer once (admin)', schema: { type: 'object', required: ['transfer_id'], properties: { transfer_id: uuid } } },
};
