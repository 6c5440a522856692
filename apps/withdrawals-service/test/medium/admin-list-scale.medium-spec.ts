import { admin, useHarness } from '../support/harness';

// The admin list stays fast on 100k withdrawals: every filter combination is answered from an index,
// newest first, a page at a time. The rows are old (2020) and final, so no other test sees them.
describe('the admin list on 100k withdrawals', () => {
  const h = useHarness();

  beforeAll(async () => {
    await h.db.query(`
      insert into withdrawals (id, user_id, amount, method, status, destination_ciphertext, destination_masked, destination_fingerprint, requested_by, hold_request, created_at, updated_at, status_changed_at)
      select gen_random_uuid(), gen_random_uuid(), 5000 + (i % 1000),
             (array['bank_transfer', 'mobile_money', 'paypal', 'crypto'])[1 + i % 4],
             (array['completed', 'failed', 'rejected', 'cancelled', 'expired', 'returned'])[1 + i % 6],
             '\\x00'::bytea, '{}'::jsonb, 'x', 'scale', '{}'::jsonb, ts, ts, ts
      from generate_series(1, 100000) as i, lateral (select timestamptz '2020-01-01' + i * interval '1 minute') as t(ts)`);
    await h.db.query('analyze withdrawals');
  }, 120_000);

  const plan = async (sql: string, params: unknown[]) => ((await h.db.query(`explain ${sql}`, params)) as { 'QUERY PLAN': string }[]).map((r) => r['QUERY PLAN']).join('\n');

  it('filters by status, method and dates answer a page quickly, from an index', async () => {
    for (const q of ['status=completed', 'method=paypal', 'status=rejected&method=paypal', 'from=2020-02-01T00:00:00Z&to=2020-02-02T00:00:00Z', '']) {
      const started = Date.now();
      const res = await h.call('GET', `/v1/withdrawals?limit=50${q ? `&${q}` : ''}`, admin());
      const ms = Date.now() - started;
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeGreaterThan(0);
      expect(ms).toBeLessThan(2_000);
      const next = await h.call('GET', `/v1/withdrawals?limit=50${q ? `&${q}` : ''}&cursor=${res.body.next_cursor}`, admin());
      expect(next.status).toBe(200);
      const first = res.body.data.at(-1).created_at;
      expect(next.body.data[0].created_at <= first).toBe(true);
    }
    const cols = 'id, created_at from withdrawals';
    for (const [where, params] of [
      ['status = $1', ['completed']],
      ['method = $1', ['paypal']],
      ['created_at >= $1 and created_at < $2', ['2020-02-01', '2020-02-02']],
    ] as const) {
      const p = await plan(`select ${cols} where ${where} order by created_at desc, id desc limit 51`, [...params]);
      expect(p).toMatch(/Index/);
      expect(p).not.toMatch(/Seq Scan on withdrawals/);
    }
  });
});
