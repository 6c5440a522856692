// react-admin's data provider for the gateway API. Lists are `{data, next_cursor}` pages: the cursor of
// page N+1 is remembered from page N (react-admin shows "next" while there is one). Writes carry an
// Idempotency-Key (api.tsx); errors are problem+json turned into HttpErrors.
import type { DataProvider, GetListParams, RaRecord } from 'react-admin';
import { api } from './api';

interface Page<T> { data: T[]; next_cursor?: string | null }

/** How each resource maps onto the API. */
interface ResourceDef {
  list(params: GetListParams, cursor: string | undefined, limit: number): { path: string; query: Record<string, string | number | undefined> };
  /** Listed endpoints that are not paged (they return every row): pagination is done here. */
  unpaged?: boolean;
  one?: (id: string) => string;
  create?: string;
  update?: (id: string) => string;
  remove?: (id: string) => string;
  idOf?: (row: Record<string, unknown>) => string;
}

const enc = encodeURIComponent;

/** The audit log's filters as the API takes them: times typed in the browser's zone, sent as ISO 8601. */
export function auditFilter(f: Record<string, unknown> | undefined): Record<string, string | undefined> {
  const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  const time = (v: unknown) => { const t = text(v); return t && !Number.isNaN(Date.parse(t)) ? new Date(t).toISOString() : undefined; };
  return { actor: text(f?.actor), action: text(f?.action), target: text(f?.target), from: time(f?.from), to: time(f?.to) };
}

export const RESOURCES: Record<string, ResourceDef> = {
  'api-keys': { list: () => ({ path: '/v1/api-keys', query: {} }), unpaged: true, create: '/v1/api-keys' },
  'webhook-endpoints': {
    list: (p) => ({ path: '/v1/webhooks/endpoints', query: { service_id: p.filter?.service_id } }), unpaged: true,
    one: (id) => `/v1/webhooks/endpoints/${enc(id)}`, create: '/v1/webhooks/endpoints', update: (id) => `/v1/webhooks/endpoints/${enc(id)}`, remove: (id) => `/v1/webhooks/endpoints/${enc(id)}`,
  },
  'external-services': {
    list: () => ({ path: '/v1/external/services', query: {} }), unpaged: true,
    one: (id) => `/v1/external/services/${enc(id)}`, create: '/v1/external/services', update: (id) => `/v1/external/services/${enc(id)}`, remove: (id) => `/v1/external/services/${enc(id)}`,
  },
  deliveries: {
    // The dispatcher pages like every list: `cursor` is the `next_cursor` of the previous page.
    list: (p, cursor, limit) => ({ path: `/v1/webhooks/endpoints/${enc(String(p.filter?.endpoint_id ?? ''))}/deliveries`, query: { status: p.filter?.status, limit, cursor } }),
    one: (id) => `/v1/webhooks/deliveries/${enc(id)}`,
  },
  withdrawals: {
    list: (p, cursor, limit) => ({ path: '/v1/withdrawals', query: { status: p.filter?.status, method: p.filter?.method, limit, cursor } }),
    one: (id) => `/v1/withdrawals/${enc(id)}`,
  },
  campaigns: {
    list: (p) => ({ path: '/v1/donations/campaigns', query: { status: p.filter?.status } }), unpaged: true,
    one: (id) => `/v1/donations/campaigns/${enc(id)}`, create: '/v1/donations/campaigns', update: (id) => `/v1/donations/campaigns/${enc(id)}`,
  },
  donations: {
    list: (p, cursor, limit) => ({ path: '/v1/donations', query: { campaign_id: p.filter?.campaign_id, status: p.filter?.status, limit, cursor } }),
    one: (id) => `/v1/donations/${enc(id)}`,
  },
  rewards: {
    list: (p, cursor, limit) => ({ path: '/v1/rewards', query: { type: p.filter?.type, limit, cursor } }),
    one: (id) => `/v1/rewards/${enc(id)}`, create: '/v1/rewards', update: (id) => `/v1/rewards/${enc(id)}`,
  },
  'audit-log': {
    list: (p, cursor, limit) => ({ path: '/v1/audit-log', query: { ...auditFilter(p.filter), limit, cursor } }),
  },
  transactions: {
    list: (p, cursor, limit) => ({ path: `/v1/wallets/${enc(String(p.filter?.user_id ?? ''))}/transactions`, query: { limit, cursor } }),
  },
  // A resident's own lists, read by an admin (the Residents page).
  'user-rewards': { list: (p, cursor, limit) => ({ path: `/v1/users/${enc(String(p.filter?.user_id ?? ''))}/rewards`, query: { limit, cursor } }) },
  'user-donations': { list: (p, cursor, limit) => ({ path: `/v1/users/${enc(String(p.filter?.user_id ?? ''))}/donations`, query: { limit, cursor } }) },
  'user-withdrawals': { list: (p, cursor, limit) => ({ path: `/v1/users/${enc(String(p.filter?.user_id ?? ''))}/withdrawals`, query: { limit, cursor } }) },
  // A campaign's disbursements (every one, not paged by the API).
  disbursements: {
    list: (p) => ({ path: `/v1/donations/campaigns/${enc(String(p.filter?.campaign_id ?? ''))}/disbursements`, query: {} }), unpaged: true,
    one: (id) => `/v1/donations/disbursements/${enc(id)}`,
  },
};

/** A disbursement request: cents, the payout method and its destination fields (validated by the payout pipeline). */
export interface DisbursementRequest { amount: number; reference?: string; method: string; destination: Record<string, string> }
/** A tier of the ladder as the wallet-service takes it. */
export interface TierInput { code: string; name: string; min_lifetime_points: number; multiplier_bp: number }
/** The withdrawal limits as the withdrawals-service takes them (amounts in cents). */
export interface WithdrawalLimits {
  min_amount: number; max_amount: number; daily_amount: number; daily_count: number; max_open: number; cooling_off_hours: number;
  time_zone: string; two_approvals_from: number; expire_after_hours: number;
}

const cursors = new Map<string, string>();
/** The most a list of the API answers at once. */
const API_PAGE_MAX = 100;

/** A first page larger than the API gives (the export's 1,000 rows): gathered from its pages of 100. */
async function gatherPages(d: ResourceDef, params: GetListParams, perPage: number) {
  const rows: RaRecord[] = [];
  let cursor: string | undefined;
  do {
    const { path, query } = d.list(params, cursor, API_PAGE_MAX);
    const body = await api<Page<Record<string, unknown>>>(path, { query });
    rows.push(...body.data.map((r) => withId(d, r)));
    cursor = body.next_cursor ?? undefined;
  } while (cursor && rows.length < perPage);
  return { data: rows.slice(0, perPage) as never[], total: rows.length, pageInfo: { hasNextPage: Boolean(cursor), hasPreviousPage: false } };
}
const cursorKey = (resource: string, params: GetListParams, page: number) => `${resource}|${JSON.stringify(params.filter ?? {})}|${params.pagination?.perPage}|${page}`;

function def(resource: string): ResourceDef {
  const d = RESOURCES[resource];
  if (!d) throw new Error(`unknown resource ${resource}`);
  return d;
}

function withId<T extends Record<string, unknown>>(d: ResourceDef, row: T): T & RaRecord {
  return { ...row, id: d.idOf ? d.idOf(row) : String(row.id) } as T & RaRecord;
}

/** The admin actions that are not CRUD. */
export interface ConsoleActions {
  rotateApiKey(id: string, graceSeconds: number): Promise<Record<string, unknown>>;
  revokeApiKey(id: string): Promise<Record<string, unknown>>;
  retryDelivery(id: string): Promise<Record<string, unknown>>;
  recoverEndpoint(id: string, since: string): Promise<Record<string, unknown>>;
  cancelUserReward(userId: string, id: string, reason: string): Promise<Record<string, unknown>>;
  refundDonation(id: string, reason: string): Promise<Record<string, unknown>>;
  cancelCampaign(id: string, reason: string): Promise<Record<string, unknown>>;
  decideWithdrawal(id: string, decision: 'approve' | 'reject' | 'retry-payout', note: string): Promise<Record<string, unknown>>;
  requestDisbursement(campaignId: string, body: DisbursementRequest): Promise<Record<string, unknown>>;
  approveDisbursement(id: string): Promise<Record<string, unknown>>;
  rejectDisbursement(id: string, reason: string): Promise<Record<string, unknown>>;
  saveTiers(tiers: TierInput[]): Promise<{ tiers: TierInput[] }>;
  saveWithdrawalLimits(limits: WithdrawalLimits): Promise<WithdrawalLimits>;
  replayDeadLetter(id: string): Promise<Record<string, unknown>>;
}

export const dataProvider: DataProvider & ConsoleActions = {
  async getList(resource, params) {
    const d = def(resource);
    const page = params.pagination?.page ?? 1;
    const perPage = params.pagination?.perPage ?? 25;
    if (d.unpaged) {
      const { path, query } = d.list(params, undefined, perPage);
      const body = await api<Page<Record<string, unknown>>>(path, { query });
      let rows = body.data.map((r) => withId(d, r));
      const q = typeof params.filter?.q === 'string' ? params.filter.q.toLowerCase() : '';
      if (q) rows = rows.filter((r) => JSON.stringify(r).toLowerCase().includes(q));
      const { field, order } = params.sort ?? { field: '', order: 'ASC' };
      if (field) rows = [...rows].sort((a, b) => (String(a[field] ?? '') < String(b[field] ?? '') ? -1 : 1) * (order === 'DESC' ? -1 : 1));
      return { data: rows.slice((page - 1) * perPage, page * perPage) as never[], total: rows.length };
    }
    const cursor = page > 1 ? cursors.get(cursorKey(resource, params, page)) : undefined;
    if (page === 1 && perPage > API_PAGE_MAX) return gatherPages(d, params, perPage);
    const { path, query } = d.list(params, cursor, perPage);
    const body = await api<Page<Record<string, unknown>>>(path, { query });
    if (body.next_cursor) cursors.set(cursorKey(resource, params, page + 1), body.next_cursor);
    return {
      data: body.data.map((r) => withId(d, r)) as never[],
      // On the last page the total is known; before it, only that there is more.
      ...(body.next_cursor ? {} : { total: (page - 1) * perPage + body.data.length }),
      pageInfo: { hasNextPage: Boolean(body.next_cursor), hasPreviousPage: page > 1 && (page === 2 || cursors.has(cursorKey(resource, params, page - 1))) },
    };
  },
  async getOne(resource, params) {
    const d = def(resource);
    const id = String(params.id);
    if (d.one) return { data: withId(d, await api<Record<string, unknown>>(d.one(id))) };
    const all = await this.getList(resource, { pagination: { page: 1, perPage: 1000 }, sort: { field: '', order: 'ASC' }, filter: {} });
    const row = all.data.find((r) => String(r.id) === id);
    if (!row) throw problemNotFound(resource, id);
    return { data: row };
  },
  async getMany(resource, params) {
    const rows = await Promise.all(params.ids.map((id) => this.getOne(resource, { id }).then((r) => r.data, () => null)));
    return { data: rows.filter((r): r is NonNullable<typeof r> => r !== null) };
  },
  async getManyReference(resource, params) {
    return this.getList(resource, { ...params, filter: { ...params.filter, [params.target]: params.id } });
  },
  async create(resource, params) {
    const d = def(resource);
    if (!d.create) throw new Error(`${resource} cannot be created here`);
    return { data: withId(d, await api<Record<string, unknown>>(d.create, { method: 'POST', body: params.data })) } as never;
  },
  async update(resource, params) {
    const d = def(resource);
    if (!d.update) throw new Error(`${resource} cannot be edited here`);
    const changed: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(params.data)) if (JSON.stringify(v) !== JSON.stringify(params.previousData?.[k])) changed[k] = v;
    return { data: withId(d, await api<Record<string, unknown>>(d.update(String(params.id)), { method: 'PATCH', body: changed })) } as never;
  },
  async updateMany() {
    throw new Error('bulk edits are not supported');
  },
  async delete(resource, params) {
    const d = def(resource);
    if (!d.remove) throw new Error(`${resource} cannot be deleted here`);
    await api(d.remove(String(params.id)), { method: 'DELETE' });
    return { data: params.previousData } as never;
  },
  async deleteMany(resource, params) {
    for (const id of params.ids) await this.delete(resource, { id });
    return { data: params.ids };
  },
  rotateApiKey: (id, graceSeconds) => api(`/v1/api-keys/${enc(id)}/rotate`, { method: 'POST', body: { grace_period_seconds: graceSeconds } }),
  revokeApiKey: (id) => api(`/v1/api-keys/${enc(id)}/revoke`, { method: 'POST', body: {} }),
  retryDelivery: (id) => api(`/v1/webhooks/deliveries/${enc(id)}/retry`, { method: 'POST', body: {} }),
  cancelUserReward: (userId, id, reason) => api(`/v1/users/${enc(userId)}/rewards/${enc(id)}/cancel`, { method: 'POST', body: { reason } }),
  refundDonation: (id, reason) => api(`/v1/donations/${enc(id)}/refund`, { method: 'POST', body: { reason } }),
  cancelCampaign: (id, reason) => api(`/v1/donations/campaigns/${enc(id)}/cancel`, { method: 'POST', body: { disposition: 'refund', reason } }),
  decideWithdrawal: (id, decision, note) => api(`/v1/withdrawals/${enc(id)}/${decision}`, { method: 'POST', body: { note } }),
  replayDeadLetter: (id) => api(`/v1/dead-letters/${enc(id)}/replay`, { method: 'POST', body: {} }),
  recoverEndpoint: (id, since) => api(`/v1/webhooks/endpoints/${enc(id)}/recover`, { method: 'POST', body: { since } }),
  requestDisbursement: (campaignId, body) => api(`/v1/donations/campaigns/${enc(campaignId)}/disbursements`, { method: 'POST', body }),
  approveDisbursement: (id) => api(`/v1/donations/disbursements/${enc(id)}/approve`, { method: 'POST', body: {} }),
  rejectDisbursement: (id, reason) => api(`/v1/donations/disbursements/${enc(id)}/reject`, { method: 'POST', body: { reason } }),
  saveTiers: (tiers) => api(`/v1/tiers`, { method: 'PUT', body: { tiers } }),
  saveWithdrawalLimits: (limits) => api(`/v1/withdrawals/limits`, { method: 'PUT', body: limits }),
};

function problemNotFound(resource: string, id: string): Error {
  return Object.assign(new Error(`no ${resource} ${id}`), { status: 404 });
}
