import { buildEnvelope, Topics, uuidv7, type DonationCreateData, type TierUpdateData } from '@wozamali/contracts';
import { createKafka, type KafkaInboxServer } from '@wozamali/messaging';
import { kafkaBrokers, uniqueName, waitFor } from '@wozamali/testing';
import { RewardsHarness } from '../support/harness';

// The wallet (its own process) publishes tier_update through its outbox to the real broker; the
// rewards-service consumes it through its inbox and issues the badges, once per user.
const h = new RewardsHarness();
let inbox: KafkaInboxServer;

beforeAll(async () => {
  // Only this run's events matter: the group starts at the topics' ends, not behind older runs' history.
  const admin = createKafka(uniqueName('rewards-badges-admin'), kafkaBrokers()).admin();
  await admin.connect();
  for (const topic of [Topics.wallet, Topics.donations]) {
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({ groupId: `${process.env.DB_PREFIX || 'wozamali_test'}.rewards-service`, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
  }
  await admin.disconnect();
  await h.start({ KAFKA_CONSUMERS_ENABLED: 'true' });
  inbox = h.inbox!;
}, 120_000);
afterAll(() => h.stop());

const badgesOf = async (user: string) =>
  ((await h.db.query(`select r.code from user_rewards u join rewards r on r.id = u.reward_id where u.user_id = $1 and u.source = 'badge' order by r.code`, [user])) as { code: string }[]).map((r) => r.code);

const deliver = (topic: string, envelope: unknown, key: string) =>
  inbox.handleMessage({ topic, partition: 0, message: { key: Buffer.from(key), value: Buffer.from(JSON.stringify(envelope)), offset: '0', timestamp: '0', attributes: 0, headers: {} } });

it('a resident reaching Gold through earnings gets BADGE_SILVER and BADGE_GOLD once; tier_update delivered twice → one badge each', async () => {
  const user = uuidv7();
  await h.earn(user, 1600);
  expect(await waitFor(async () => ((await badgesOf(user)).length === 2 ? badgesOf(user) : null), 'the badges', 60_000, 200)).toEqual(['BADGE_GOLD', 'BADGE_SILVER']);
  const [tier] = await h.walletDb.query(`select payload from outbox where type = 'tier_update' and key = $1 order by seq desc limit 1`, [user]);
  expect(await deliver(Topics.wallet, tier.payload, user)).toBe('duplicate');
  // Another tier_update for the same tier (a new event id): applied, and still no second badge.
  const again = buildEnvelope<'tier_update', TierUpdateData>('wallet-service', { type: 'tier_update', subject: user, data: { ...tier.payload.data } });
  expect(await deliver(Topics.wallet, again, user)).toBe('handled');
  expect(await badgesOf(user)).toEqual(['BADGE_GOLD', 'BADGE_SILVER']);
  const issued = await h.db.query(`select count(*)::int as n from outbox where type = 'reward_issue' and key = $1 and payload->'data'->>'source' = 'badge'`, [user]);
  expect(issued[0].n).toBe(2);
  // The tier is kept for redemptions' min_tier checks.
  expect((await h.db.query('select tier from user_tiers where user_id = $1', [user]))[0].tier).toBe('gold');
}, 90_000);

it('donation_create gives the donor BADGE_DONOR once; an anonymous donation gives nothing', async () => {
  const user = uuidv7();
  const donation = (userId: string | null): DonationCreateData => ({
    donation_id: uuidv7(), campaign_id: uuidv7(), user_id: userId, donor_ref: 'd_1', visibility: userId ? 'public' : 'anonymous', amount: 1000, currency: 'ZAR',
    points: 0, bonus_points: 10, transfer_id: uuidv7(), receipt_number: null, donated_at: new Date().toISOString(),
  });
  const first = buildEnvelope('donations-service', { type: 'donation_create', subject: user, data: donation(user) });
  expect(await deliver(Topics.donations, first, user)).toBe('handled');
  expect(await deliver(Topics.donations, first, user)).toBe('duplicate');
  expect(await deliver(Topics.donations, buildEnvelope('donations-service', { type: 'donation_create', subject: user, data: donation(user) }), user)).toBe('handled');
  expect(await badgesOf(user)).toEqual(['BADGE_DONOR']);
  expect(await deliver(Topics.donations, buildEnvelope('donations-service', { type: 'donation_create', subject: null, data: donation(null) }), 'anon')).toBe('handled');
});
