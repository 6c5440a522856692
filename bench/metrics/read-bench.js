#!/usr/bin/env node
// Seeds the metrics-service's bench database with SQL generate_series (derived rows directly: this
// measures reads, not ingestion) and times the API over HTTP, one request at a time after a warm-up:
//   - a year of one user's daily metrics (and by week, by month): target p99 < 50 ms
//   - the leaderboard over 100,000 users (top 100 and the caller's own rank): target p99 < 100 ms
// Run through bench/metrics/run.sh.
'use strict';
const http = require('node:http');
const path = require('node:path');
const { developmentServiceKeys, parseServicePrivateKey, ServiceTokenSigner } = require('../../libs/auth/dist');
const { Pool } = require('pg');
const { databaseName, databaseUrl } = require('../../libs/database/dist');

const BASE = process.env.METRICS_URL || 'http://127.0.0.1:3905';
const USERS = Number(process.env.BENCH_USERS || 100_000);
const DAYS_PER_USER = Number(process.env.BENCH_DAYS_PER_USER || 7);
const REQUESTS = Number(process.env.BENCH_REQUESTS || 500);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

// The gateway's service token; a signed-in user (`x-user-id` here) travels inside it, as the gateway sends it.
const keys = developmentServiceKeys(path.resolve(__dirname, '..', '..', '.run', 'service-keys'));
const signer = new ServiceTokenSigner({ service: 'api-gateway', key: parseServicePrivateKey(keys.privateKey('api-gateway'), 'api-gateway') });

async function get(url, headers = {}) {
  const { 'x-user-id': user, ...rest } = headers;
  const token = await signer.token('metrics-service', user ? { type: 'user', userId: user, role: 'resident' } : null);
  return new Promise((resolve, reject) => {
    const req = http.get(`${BASE}${url}`, { agent, headers: { ...rest, authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: ${res.statusCode} ${body}`))));
    });
    req.on('error', reject);
  });
}

async function time(label, path, headers, target) {
  for (let i = 0; i < 30; i += 1) await get(path, headers);
  const ms = [];
  let bytes = 0;
  for (let i = 0; i < REQUESTS; i += 1) {
    const t = process.hrtime.bigint();
    bytes = (await get(path, headers)).length;
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  ms.sort((a, b) => a - b);
  const p = (q) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))].toFixed(1);
  const p99 = Number(p(0.99));
  console.log(`[bench] ${label}: p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${ms[ms.length - 1].toFixed(1)} ms (${REQUESTS} requests, ${bytes} bytes) — target p99 < ${target} ms: ${p99 < target ? 'met' : 'NOT met'}`);
}

(async () => {
  const url = databaseUrl(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres', databaseName(process.env.DB_PREFIX || 'wozamali_bench', 'metrics-service'));
  const pool = new Pool({ connectionString: url, max: 2 });
  const started = Date.now();
  const one = '01900000-0000-7000-8000-000000000001';
  // Today in Johannesburg, as the service counts it; the periods the leaderboard reads hold it.
  const [{ today }] = (await pool.query(`select (now() at time zone 'Africa/Johannesburg')::date::text as today`)).rows;
  await pool.query(
    `insert into user_metrics (user_id, date, points_earned, points_spent, money_earned, collections, grams_collected, co2_avoided_g, water_saved_ml, grams_by_material, wallet_events, last_collection_at, last_points_at)
     select $1::uuid, d::date, 40, 5, 300, 1, 2500, 4250, 75000, '{"PET": 1500, "GLASS": 1000}'::jsonb, 2, d, d
       from generate_series($2::date - 364, $2::date, interval '1 day') d`,
    [one, today],
  );
  // Everyone else: DAYS_PER_USER recent days each, so the table is not one user's alone.
  await pool.query(
    `insert into user_metrics (user_id, date, points_earned, collections, grams_collected, co2_avoided_g, grams_by_material, wallet_events, last_collection_at, last_points_at)
     select u.id, $2::date - k, 10 * (1 + (u.n % 7)), 1, 500 * (1 + (u.n % 13)), 850 * (1 + (u.n % 13)), jsonb_build_object('PET', 500 * (1 + (u.n % 13))), 1, now(), now()
       from (select n, ('01900000-0000-7000-8000-' || lpad(to_hex(n + 2), 12, '0'))::uuid as id from generate_series(1, $1::int) n) u,
            generate_series(1, $3::int) k`,
    [USERS, today, DAYS_PER_USER],
  );
  // Leaderboard entries for every period holding today; scores in steps of 100 g, so many tie.
  await pool.query(
    `insert into leaderboard_entries (period, period_start, user_id, grams, points, co2_g, grams_at, points_at)
     select p.period, case p.period when 'week' then date_trunc('week', $2::date::timestamp)::date when 'month' then date_trunc('month', $2::date::timestamp)::date
                                    when 'year' then date_trunc('year', $2::date::timestamp)::date else date '1970-01-01' end,
            ('01900000-0000-7000-8000-' || lpad(to_hex(n + 2), 12, '0'))::uuid,
            100 * (n * 7919 % 5000), n * 104729 % 20000, 170 * (n * 7919 % 5000), now() - make_interval(secs => n), now() - make_interval(secs => n)
       from generate_series(1::bigint, $1::bigint) n cross join (values ('week'), ('month'), ('year'), ('all')) p(period)`,
    [USERS, today],
  );
  await pool.query(
    `insert into leaderboard_counts (period, period_start, metric, bucket, users)
     select period, period_start, m.metric, m.score / m.width, count(*)
       from leaderboard_entries l
      cross join lateral (values ('kg', l.grams, 1000), ('points', l.points, 10), ('co2', l.co2_g, 1000)) as m(metric, score, width)
      where m.score > 0 group by 1, 2, 3, 4`,
  );
  // A bulk load leaves no visibility map; autovacuum builds it on a live table. Do it now.
  await pool.query('vacuum analyze user_metrics');
  await pool.query('vacuum analyze leaderboard_entries');
  const [{ rows: um }, { rows: lb }] = await Promise.all([pool.query('select count(*)::int n from user_metrics'), pool.query('select count(*)::int n from leaderboard_entries')]);
  console.log(`[bench] seeded ${um[0].n} user_metrics rows and ${lb[0].n} leaderboard entries (${USERS} users) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // The caller ranked last of those with a score: the slowest own-rank count.
  const { rows: [last] } = await pool.query(`select user_id from leaderboard_entries where period = 'all' and grams > 0 order by grams, grams_at desc limit 1`);
  // The own rank (bucket counts + entries within the bucket) against a direct count.
  const { rows: [direct] } = await pool.query(
    `select 1 + count(*)::int as rank from leaderboard_entries o, leaderboard_entries l
      where l.user_id = $1 and l.period = 'all' and o.period = 'all' and o.grams > l.grams`, [last.user_id]);
  const served = JSON.parse(await get('/v1/metrics/leaderboard?period=all&metric=kg', { 'x-user-id': last.user_id })).me.rank;
  console.log(`[bench] own rank of the last one: served ${served}, counted directly ${direct.rank}${served === direct.rank ? '' : ' — MISMATCH'}`);
  await pool.end();

  const from = new Date(Date.parse(`${today}T00:00:00Z`) - 364 * 86_400_000).toISOString().slice(0, 10);
  // The baseline of this run: the smallest round trip the same process answers (no database).
  await time('baseline: /health/live (no database)', '/health/live', {}, 50);
  await time('a year of one user\'s daily metrics', `/v1/users/${one}/metrics?from=${from}&to=${today}`, {}, 50);
  await time('the same year by week', `/v1/users/${one}/metrics?from=${from}&to=${today}&granularity=week`, {}, 50);
  await time('the same year by month', `/v1/users/${one}/metrics?from=${from}&to=${today}&granularity=month`, {}, 50);
  await time(`leaderboard, all time, kg, top 100 of ${USERS}, with the last one's own rank`, `/v1/metrics/leaderboard?period=all&metric=kg&limit=100`, { 'x-user-id': last.user_id }, 100);
  await time(`leaderboard, this week, points, top 100 of ${USERS}`, `/v1/metrics/leaderboard?period=week&metric=points&limit=100`, {}, 100);
  await time(`leaderboard, this month, co2, top 10 of ${USERS}, with an own rank`, `/v1/metrics/leaderboard?period=month&metric=co2`, { 'x-user-id': last.user_id }, 100);
  agent.destroy();
})().catch((err) => {
  console.error('[bench] failed:', err.message);
  process.exit(1);
});
