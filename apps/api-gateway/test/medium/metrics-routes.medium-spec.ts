import { randomUUID } from 'node:crypto';
import { freePort, openTestDataSource, spawnService, uniqueName, type SpawnedService } from '@wozamali/testing';
import type { DataSource } from 'typeorm';
import { call, startGateway, userToken, type RunningGateway } from './gateway-harness';

// The real gateway in front of the real metrics-service (its own process, not consuming): who may
// read which metrics. A resident reads their own figures and rank, never another's (404, as if it
// did not exist); every signed-in user reads the leaderboard and the impact; the rest is admin.
describe('metrics routes through the gateway', () => {
  let gw: RunningGateway;
  let metrics: SpawnedService;
  let db: DataSource;
  const resident = userToken('resident');
  const neighbour = userToken('resident');
  const admin = userToken('admin');
  const day = `2016-0${1 + Math.floor(Math.random() * 9)}-1${Math.floor(Math.random() * 9)}`;

  beforeAll(async () => {
    metrics = await spawnService('metrics-service', await freePort(), { KAFKA_CONSUMERS_ENABLED: 'false', OUTBOX_RELAY_ENABLED: 'false' });
    gw = await startGateway({ METRICS_SERVICE_URL: metrics.url, REDIS_KEY_PREFIX: uniqueName('gwmetrics') });
    db = await openTestDataSource('metrics-service', 1);
    for (const [user, grams] of [[resident.sub, 4000], [neighbour.sub, 9000]] as const) {
      await db.query(`insert into user_metrics (user_id, date, collections, grams_collected, points_earned) values ($1, $2, 1, $3, 40)`, [user, day, grams]);
      await db.query(
        `insert into leaderboard_entries (period, period_start, user_id, grams, points, co2_g, grams_at, points_at)
         values ('week', date_trunc('week', $2::date::timestamp)::date, $1, $3, 40, 0, $2::date, $2::date)`,
        [user, day, grams],
      );
      await db.query(
        `insert into leaderboard_counts (period, period_start, metric, bucket, users) values ('week', date_trunc('week', $2::date::timestamp)::date, 'kg', $1 / 1000, 1)
         on conflict (period, period_start, metric, bucket) do update set users = leaderboard_counts.users + 1`,
        [grams, day],
      );
    }
  }, 120_000);

  afterAll(async () => {
    await gw?.close();
    await metrics?.stop();
    await db?.destroy();
  });

  it('a resident reads their own metrics; another resident\'s are 404, under any spelling of the id', async () => {
    const own = await call(gw.url, 'GET', `/v1/users/${resident.sub}/metrics?from=${day}&to=${day}`, resident.headers);
    expect(own.status).toBe(200);
    expect(own.json).toMatchObject({ user_id: resident.sub, days: [{ date: day, grams_collected: 4000, collections: 1 }] });
    expect(typeof own.json!.data_as_of === 'string' || own.json!.data_as_of === null).toBe(true);
    for (const id of [neighbour.sub, neighbour.sub.toUpperCase(), randomUUID()]) {
      const other = await call(gw.url, 'GET', `/v1/users/${id}/metrics`, resident.headers);
      expect([id, other.status, other.json!.code]).toEqual([id, 404, 'not_found']);
      expect(other.text).not.toContain('9000');
    }
    // The admin views of a user and of the programme are not the resident's: 403.
    for (const path of [`/v1/metrics/users/${resident.sub}`, `/v1/metrics/users/${neighbour.sub}`, '/v1/metrics/system', '/v1/metrics', '/v1/metrics/reconciliation?date=2016-01-01', '/v1/metrics/impact-factors']) {
      expect([path, (await call(gw.url, 'GET', path, resident.headers)).status]).toEqual([path, 403]);
    }
  });

  it('every signed-in user reads the leaderboard (masked handles, their own rank) and the impact; admins read everything', async () => {
    const board = await call(gw.url, 'GET', `/v1/metrics/leaderboard?period=week&metric=kg&date=${day}`, resident.headers);
    expect(board.status).toBe(200);
    expect(board.json!.me).toMatchObject({ rank: 2, value: 4000, handle: expect.stringMatching(/^Recycler /) });
    expect(board.text).not.toContain(neighbour.sub);
    expect(board.text).not.toContain(resident.sub);
    expect((await call(gw.url, 'GET', `/v1/metrics/impact?from=${day}&to=${day}`, neighbour.headers)).status).toBe(200);
    const system = await call(gw.url, 'GET', `/v1/metrics/users/${neighbour.sub}?from=${day}&to=${day}`, admin.headers);
    expect(system.json).toMatchObject({ days: [{ grams_collected: 9000 }] });
    expect((await call(gw.url, 'GET', `/v1/metrics/system?from=${day}&to=${day}`, admin.headers)).status).toBe(200);
    // Without credentials: 401, before any backend is asked.
    expect((await call(gw.url, 'GET', '/v1/metrics/leaderboard')).status).toBe(401);
  });

  it('bad query strings are 400 problem+json from end to end', async () => {
    for (const path of [`/v1/users/${resident.sub}/metrics?granularity=hour`, `/v1/users/${resident.sub}/metrics?from=2026-02-30`, '/v1/metrics/leaderboard?limit=101', '/v1/metrics/leaderboard?period=decade']) {
      const res = await call(gw.url, 'GET', path, resident.headers);
      expect([path, res.status, res.headers.get('content-type')?.split(';')[0]]).toEqual([path, 400, 'application/problem+json']);
    }
  });
});
