import { randomUUID } from 'node:crypto';
import { openTestDataSource, uniqueName, waitFor } from '@wozamali/testing';
import type { DataSource } from 'typeorm';
import { ADMIN_HEADERS, allPages, call, startGateway, StubBackend, userToken, withKey, type RunningGateway } from './gateway-harness';

interface Entry { id: string; at: string; actor_kind: string; actor_id: string; actor_key: string | null; method: string; route: string; permission: string; targets: string[]; status: number; outcome: string; replayed: boolean; note: string | null; request_id: string }

describe('the audit log (real PostgreSQL and Redis; a stub stands in for the withdrawals and wallet services)', () => {
  let gw: RunningGateway;
  let backend: StubBackend;
  let ds: DataSource;
  const admin = userToken('admin');

  beforeAll(async () => {
    backend = await new StubBackend().start();
    backend.respond = (r) => (r.url.includes('reject') ? { status: 409, body: { code: 'invalid_transition' } } : { status: 200, body: { ok: true } });
    gw = await startGateway({ WITHDRAWALS_SERVICE_URL: backend.url, WALLET_SERVICE_URL: backend.url, REDIS_KEY_PREFIX: uniqueName('gwaudit') });
    ds = await openTestDataSource('api-gateway', 2);
  });
  afterAll(async () => {
    await gw.close();
    await backend.stop();
    await ds.destroy();
  });

  const entriesFor = (target: string) => allPages<Entry>(gw.url, `/v1/audit-log?target=${target}`, admin.headers);
  async function waitForEntries(target: string, n: number): Promise<Entry[]> {
    let found: Entry[] = [];
    await waitFor(async () => (found = await entriesFor(target)).length >= n, `${n} audit entries for ${target}`, 5000, 50);
    return found;
  }

  it("an admin's approval is recorded after the answer: who, the route, the target, the status and the masked note, never the body", async () => {
    const id = randomUUID();
    const res = await call(gw.url, 'POST', `/v1/withdrawals/${id}/approve`, withKey(admin.headers), { note: 'checked; paid to 62001234567', amount_cents: 250000 });
    expect(res.status).toBe(200);
    const [e] = await waitForEntries(id, 1);
    expect(e).toMatchObject({
      actor_kind: 'user', actor_id: admin.sub, actor_key: null, method: 'POST', route: '/v1/withdrawals/{withdrawal_id}/approve',
      permission: 'withdrawals:approve', targets: [id], status: 200, outcome: 'succeeded', replayed: false, note: 'checked; paid to ••••4567',
      request_id: res.headers.get('x-request-id'),
    });
    const stored = JSON.stringify(await ds.query('select * from audit_log where $1 = any(targets)', [id]));
    expect(stored).not.toContain('62001234567');
    expect(stored).not.toContain('250000');
  });

  it('a refusal is recorded with its status, and a service key is named by its service and key', async () => {
    const id = randomUUID();
    expect((await call(gw.url, 'POST', `/v1/withdrawals/${id}/reject`, withKey(ADMIN_HEADERS), { reason: 'duplicate request' })).status).toBe(409);
    const [e] = await waitForEntries(id, 1);
    expect(e).toMatchObject({ actor_kind: 'service', actor_id: 'admin', actor_key: 'testadmin', status: 409, outcome: 'refused', note: 'duplicate request' });
  });

  it("the gateway's own writes (key changes) are recorded, and an idempotent replay is marked as one", async () => {
    const key = randomUUID();
    const body = { name: 'audited key', service_id: 'notify', permissions: { wallets: ['read'] } };
    const first = await call(gw.url, 'POST', '/v1/api-keys', withKey(admin.headers, key), body);
    expect(first.status).toBe(201);
    const keyId = first.json!.id as string;
    expect((await call(gw.url, 'POST', '/v1/api-keys', withKey(admin.headers, key), body)).status).toBe(200);
    expect((await call(gw.url, 'POST', `/v1/api-keys/${keyId}/revoke`, withKey(admin.headers), { reason: 'leaked' })).status).toBe(200);
    const [revoke] = await waitForEntries(keyId, 1);
    expect(revoke).toMatchObject({ route: '/v1/api-keys/{id}/revoke', permission: 'api_keys:manage', note: 'leaked', status: 200 });
    let creates: Entry[] = [];
    await waitFor(async () => (creates = (await allPages<Entry>(gw.url, `/v1/audit-log?actor=${admin.sub}&action=POST /v1/api-keys`, admin.headers)).filter((x) => x.route === '/v1/api-keys')).length >= 2, 'both creates', 5000, 50);
    expect(creates.map((c) => c.replayed).sort()).toEqual([false, true]);
  });

  it("reads and residents' own writes are not recorded", async () => {
    const resident = userToken('resident');
    await call(gw.url, 'POST', `/v1/users/${resident.sub}/withdrawals`, withKey(resident.headers), { amount_cents: 100, note: 'mine' });
    await call(gw.url, 'GET', `/v1/withdrawals/${resident.sub}`, admin.headers);
    const marker = randomUUID();
    await call(gw.url, 'POST', `/v1/withdrawals/${marker}/approve`, withKey(admin.headers), { note: 'marker' });
    await waitForEntries(marker, 1);
    expect(await entriesFor(resident.sub)).toEqual([]);
  });

  it('filters by actor, action, target and time, newest first, page by page', async () => {
    const other = userToken('admin');
    const target = randomUUID();
    const before = new Date(Date.now() - 1000).toISOString();
    for (const step of ['approve', 'reject', 'retry-payout']) {
      await call(gw.url, 'POST', `/v1/withdrawals/${target}/${step}`, withKey(other.headers), { note: step });
    }
    const all = await waitForEntries(target, 3);
    expect(all.map((e) => e.note)).toEqual(['retry-payout', 'reject', 'approve']);
    const page1 = await call(gw.url, 'GET', `/v1/audit-log?actor=${other.sub}&limit=2`, admin.headers);
    expect((page1.json!.data as Entry[]).map((e) => e.note)).toEqual(['retry-payout', 'reject']);
    const page2 = await call(gw.url, 'GET', `/v1/audit-log?actor=${other.sub}&limit=2&cursor=${page1.json!.next_cursor as string}`, admin.headers);
    expect([(page2.json!.data as Entry[]).map((e) => e.note), page2.json!.next_cursor]).toEqual([['approve'], null]);
    const rejects = await allPages<Entry>(gw.url, `/v1/audit-log?target=${target}&action=reject`, admin.headers);
    expect(rejects.map((e) => e.route)).toEqual(['/v1/withdrawals/{withdrawal_id}/reject']);
    expect(await allPages<Entry>(gw.url, `/v1/audit-log?target=${target}&from=${before}&to=${encodeURIComponent(all[0].at)}`, admin.headers)).toHaveLength(2);
    expect(await allPages<Entry>(gw.url, `/v1/audit-log?target=${target}&to=${before}`, admin.headers)).toEqual([]);
  });

  it('bad filters are 400 problem+json; only admins may read it', async () => {
    for (const q of ['from=yesterday', 'to=2026-13-01T00:00:00Z', 'actor=%27%20or%201%3D1', 'cursor=bm90LW91cnM', 'limit=0', 'from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z']) {
      const res = await call(gw.url, 'GET', `/v1/audit-log?${q}`, admin.headers);
      expect([q, res.status, res.json?.code]).toEqual([q, 400, 'validation_failed']);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await call(gw.url, 'GET', '/v1/audit-log', userToken('resident').headers)).status).toBe(403);
  });

  it('is append-only: the database refuses to change or delete an entry', async () => {
    const id = randomUUID();
    await call(gw.url, 'POST', `/v1/withdrawals/${id}/approve`, withKey(admin.headers), { note: 'keep me' });
    await waitForEntries(id, 1);
    await expect(ds.query("update audit_log set note = 'changed' where $1 = any(targets)", [id])).rejects.toThrow(/append-only/);
    await expect(ds.query('delete from audit_log where $1 = any(targets)', [id])).rejects.toThrow(/append-only/);
  });
});
