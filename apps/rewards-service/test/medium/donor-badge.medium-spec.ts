import { buildEnvelope, GREEN_SCHOLAR_FUND_CAMPAIGN_ID, Topics, uuidv7, type DonationCreateData } from '@wozamali/contracts';
import type { KafkaInboxServer } from '@wozamali/messaging';
import { freePort, openTestDataSource, serviceAuthHeaders, spawnService, type SpawnedService } from '@wozamali/testing';
import type { DataSource } from 'typeorm';
import { RewardsHarness } from '../support/harness';

// BADGE_DONOR for anonymous donations: the real donations-service (its build, its own process) takes
// the donation and publishes `donation_create` without the user id; the rewards-service records a
// lookup in its inbox transaction and its job asks the donations-service (service token, breaker).
const h = new RewardsHarness();
let donations: SpawnedService;
let donationsPort = 0;
let donationsDb: DataSource;
let inbox: KafkaInboxServer;

beforeAll(async () => {
  donationsPort = await freePort();
  // Consumers on for the inbox transport (the test delivers the events itself; the group may also get them from the broker).
  await h.start({ KAFKA_CONSUMERS_ENABLED: 'true', DONATIONS_SERVICE_URL: `http://127.0.0.1:${donationsPort}`, DONATIONS_TIMEOUT_MS: '3000' });
  inbox = h.inbox!;
  donations = await spawnService('donations-service', donationsPort, { WALLET_SERVICE_URL: h.wallet.url, KAFKA_CONSUMERS_ENABLED: 'false' });
  donationsDb = await openTestDataSource('donations-service', 2);
}, 180_000);
afterAll(async () => {
  await donations?.stop();
  await donationsDb?.destroy();
  await h.stop();
});

const deliver = (envelope: unknown, key: string) =>
  inbox.handleMessage({ topic: Topics.donations, partition: 0, message: { key: Buffer.from(key), value: Buffer.from(JSON.stringify(envelope)), offset: '0', timestamp: '0', attributes: 0, headers: {} } });

const donorBadges = async (user: string) =>
  ((await h.db.query(`select count(*)::int as n from user_rewards u join rewards r on r.id = u.reward_id where u.user_id = $1 and r.code = 'BADGE_DONOR'`, [user])) as { n: number }[])[0]!.n;
const donorIssueEvents = async (user: string) =>
  ((await h.db.query(`select count(*)::int as n from outbox where type = 'reward_issue' and key = $1 and payload->'data'->>'reward_code' = 'BADGE_DONOR'`, [user])) as { n: number }[])[0]!.n;
const lookup = async (donationId: string) =>
  ((await h.db.query('select status, user_id, attempts from donor_lookups where donation_id = $1', [donationId])) as { status: string; user_id: string | null; attempts: number }[])[0];

async function donateAnonymously(user: string): Promise<{ id: string; event: { data: DonationCreateData } }> {
  const res = await fetch(`${donations.url}/v1/users/${user}/donations`, {
    method: 'POST',
    headers: { ...(await serviceAuthHeaders('donations-service', 'api-gateway', { type: 'user', userId: user, role: 'resident' })), 'content-type': 'application/json', 'idempotency-key': uuidv7() },
    body: JSON.stringify({ campaign_id: GREEN_SCHOLAR_FUND_CAMPAIGN_ID, amount: 500, visibility: 'anonymous' }),
  });
  const body = (await res.json()) as { id: string };
  expect(res.status).toBe(201);
  const [row] = (await donationsDb.query(`select payload from outbox where type = 'donation_create' and payload->'data'->>'donation_id' = $1`, [body.id])) as { payload: { data: DonationCreateData } }[];
  return { id: body.id, event: row!.payload };
}

it('an anonymous donation gives its donor exactly one BADGE_DONOR, also delivered twice and with a second anonymous donation', async () => {
  const user = uuidv7();
  await h.earn(user, 10, 5_000);
  const first = await donateAnonymously(user);
  const second = await donateAnonymously(user);
  // The event names no user: only the donations-service can say who gave.
  expect(first.event.data.user_id).toBeNull();
  expect(await deliver(first.event, first.event.data.donor_ref)).toMatch(/handled|duplicate/);
  expect(await deliver(first.event, first.event.data.donor_ref)).toBe('duplicate');
  expect(await deliver(second.event, second.event.data.donor_ref)).toMatch(/handled|duplicate/);
  expect((await lookup(first.id))?.status).toBe('pending');
  expect(await donorBadges(user)).toBe(0);

  expect(await h.jobs.donorLookups.runOnce()).toBeGreaterThanOrEqual(2);
  expect(await lookup(first.id)).toMatchObject({ status: 'done', user_id: user });
  expect(await lookup(second.id)).toMatchObject({ status: 'done', user_id: user });
  expect(await donorBadges(user)).toBe(1);
  expect(await donorIssueEvents(user)).toBe(1);

  // Delivered again later (a new event id for the same donation): recorded once, nothing more issued.
  const again = buildEnvelope('donations-service', { type: 'donation_create', subject: null, data: first.event.data });
  expect(await deliver(again, first.event.data.donor_ref)).toBe('handled');
  await h.jobs.donorLookups.runOnce();
  expect(await donorBadges(user)).toBe(1);
  expect(await donorIssueEvents(user)).toBe(1);
}, 120_000);

it('a donation the donations-service does not know (404) is given up; an unreachable donations-service leaves the lookup pending for later', async () => {
  const unknown: DonationCreateData = {
    donation_id: uuidv7(), campaign_id: GREEN_SCHOLAR_FUND_CAMPAIGN_ID, user_id: null, donor_ref: 'd_unknown', visibility: 'anonymous', amount: 100, currency: 'ZAR',
    points: 0, bonus_points: 1, transfer_id: null, receipt_number: null, donated_at: new Date().toISOString(),
  };
  expect(await deliver(buildEnvelope('donations-service', { type: 'donation_create', subject: null, data: unknown }), 'd_unknown')).toBe('handled');
  await h.jobs.donorLookups.runOnce();
  expect(await lookup(unknown.donation_id)).toMatchObject({ status: 'gave_up', user_id: null });

  // The donations-service stopped: the lookup stays pending (unknown, not failed) and is asked again once it is back.
  const user = uuidv7();
  await h.earn(user, 10, 5_000);
  const d = await donateAnonymously(user);
  await donations.stop();
  expect(await deliver(d.event, d.event.data.donor_ref)).toMatch(/handled|duplicate/);
  await h.jobs.donorLookups.runOnce();
  expect(await lookup(d.id)).toMatchObject({ status: 'pending', attempts: 1 });
  expect(await donorBadges(user)).toBe(0);
  donations = await spawnService('donations-service', donationsPort, { WALLET_SERVICE_URL: h.wallet.url, KAFKA_CONSUMERS_ENABLED: 'false' });
  await h.db.query('update donor_lookups set next_attempt_at = now() where donation_id = $1', [d.id]);
  // The breaker may still be open after the failure: ask until it lets the call through.
  for (let i = 0; i < 60 && (await lookup(d.id))?.status === 'pending'; i += 1) {
    await h.jobs.donorLookups.runOnce();
    if ((await lookup(d.id))?.status !== 'pending') break;
    await new Promise((r) => setTimeout(r, 500));
    await h.db.query('update donor_lookups set next_attempt_at = now() where donation_id = $1', [d.id]);
  }
  expect(await lookup(d.id)).toMatchObject({ status: 'done', user_id: user });
  expect(await donorBadges(user)).toBe(1);
}, 150_000);
