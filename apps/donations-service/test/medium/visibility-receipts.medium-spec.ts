import { externalEventData, GREEN_SCHOLAR_FUND_CAMPAIGN_ID, Topics, uuidv7 } from '@wozamali/contracts';
import { createKafka } from '@wozamali/messaging';
import { kafkaBrokers, openTestDataSource, uniqueName, waitFor } from '@wozamali/testing';
import type { Consumer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { ADMIN, useDonations } from '../support/donations-app';

jest.setTimeout(90_000);

function kafkaAdminSasl() {
  const username = process.env.KAFKA_ADMIN_USERNAME;
  return username ? { mechanism: (process.env.KAFKA_ADMIN_MECHANISM || 'scram-sha-512') as 'scram-sha-512', username, password: process.env.KAFKA_ADMIN_PASSWORD || '' } : undefined;
}

describe('visibility, public lists and receipts', () => {
  const t = useDonations();
  let walletDb: DataSource;
  let consumer: Consumer;
  const seen: { key: string | null; value: string }[] = [];
  beforeAll(async () => {
    walletDb = await openTestDataSource('wallet-service', 4);
    consumer = createKafka(uniqueName('dn-vis'), kafkaBrokers(), { sasl: kafkaAdminSasl() }).consumer({ groupId: uniqueName('dn-vis') });
    await consumer.connect();
    await consumer.subscribe({ topic: Topics.donations, fromBeginning: false });
    await consumer.run({ eachMessage: async ({ message }) => { seen.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? '' }); } });
  });
  afterAll(async () => {
    await consumer?.disconnect();
    await walletDb?.destroy();
  });

  const newCampaign = async (body: Record<string, unknown> = {}) => {
    const res = await t.post('/v1/donations/campaigns', ADMIN, { name: `Campaign ${uuidv7()}`, beneficiary: 'Ubuntu Learners Trust', status: 'active', ...body });
    expect(res.status).toBe(201);
    return res.body as { id: string };
  };
  const donate = async (user: string, body: Record<string, unknown>) => {
    const res = await t.post(`/v1/users/${user}/donations`, { user }, body);
    expect(res.status).toBe(201);
    return res.body;
  };

  it("an anonymous donor's user id is in no public list, no event (data, subject or Kafka key) and no webhook body; the donor and admins see it", async () => {
    const c = await newCampaign();
    const [anon, hidden, named] = [uuidv7(), uuidv7(), uuidv7()];
    for (const u of [anon, hidden, named]) await t.fund(u, 20_000, 100);
    const a = await donate(anon, { campaign_id: c.id, amount: 9_000, points: 10, visibility: 'anonymous', message: 'from a neighbour' });
    const a2 = await donate(anon, { campaign_id: c.id, amount: 1_000, visibility: 'anonymous' });
    await donate(hidden, { campaign_id: c.id, amount: 5_000, visibility: 'hide_amount', message: 'go well' });
    await donate(named, { campaign_id: c.id, amount: 2_000, visibility: 'public' });
    const anyone = { user: uuidv7() };

    const list = await t.get(`/v1/donations/campaigns/${c.id}/donations`, anyone);
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(4);
    expect(list.text).not.toContain(anon);
    const anonRows = list.body.data.filter((d: { visibility: string }) => d.visibility === 'anonymous');
    expect(anonRows).toEqual([
      expect.objectContaining({ user_id: null, donor_ref: a.donor_ref, message: null, amount: 1_000 }),
      expect.objectContaining({ user_id: null, donor_ref: a.donor_ref, message: null, amount: 9_000 }),
    ]);
    expect(list.body.data.find((d: { user_id: string }) => d.user_id === hidden)).toMatchObject({ amount: null, points: null, message: 'go well' });
    expect(list.body.data.find((d: { user_id: string }) => d.user_id === named)).toMatchObject({ amount: 2_000, donor_ref: null });

    const top = await t.get(`/v1/donations/campaigns/${c.id}/top-donors`, anyone);
    expect(top.text).not.toContain(anon);
    expect(top.text).not.toContain(hidden); // ranking by amount would give away a hidden amount
    expect(top.body.data).toEqual([
      expect.objectContaining({ rank: 1, user_id: null, donor_ref: a.donor_ref, anonymous: true, amount: 10_000, donations: 2 }),
      expect.objectContaining({ rank: 2, user_id: named, donor_ref: null, amount: 2_000 }),
    ]);

    const own = await t.get(`/v1/users/${anon}/donations`, { user: anon });
    expect(own.body.data.map((d: { id: string }) => d.id).sort()).toEqual([a.id, a2.id].sort());
    expect(own.body.data[0]).toMatchObject({ user_id: anon, visibility: 'anonymous' });
    expect((await t.get(`/v1/donations/${a.id}`, ADMIN)).body).toMatchObject({ user_id: anon, message: 'from a neighbour' });
    const all = await t.get(`/v1/donations?campaign_id=${c.id}&status=accepted&limit=3`, ADMIN);
    expect(all.body.data).toHaveLength(3);
    const rest = await t.get(`/v1/donations?campaign_id=${c.id}&status=accepted&limit=3&cursor=${all.body.next_cursor}`, ADMIN);
    expect(rest.body).toMatchObject({ next_cursor: null });
    expect([...all.body.data, ...rest.body.data].map((d: { user_id: string }) => d.user_id).sort()).toEqual([anon, anon, hidden, named].sort());

    // Events: what the outbox wrote and what reached Kafka (what the dispatcher would forward as webhooks).
    const rows = await t.db.query(`select key, payload from outbox where payload->'data'->>'campaign_id' = $1 and type = 'donation_create'`, [c.id]);
    expect(rows).toHaveLength(4);
    const anonEvents = rows.filter((r: { payload: { data: { donation_id: string } } }) => [a.id, a2.id].includes(r.payload.data.donation_id));
    for (const r of anonEvents) {
      expect(r.key).toBeNull();
      expect(r.payload.subject).toBeNull();
      expect(r.payload.data).toMatchObject({ user_id: null, donor_ref: a.donor_ref, visibility: 'anonymous', transfer_id: null });
      expect(JSON.stringify(r.payload)).not.toContain(anon);
      // Not even the wallet transfer, whose own wallet events name the donor.
      expect(JSON.stringify(r.payload)).not.toContain(a.transfer_id);
    }
    // A hide_amount donation: the event keeps its amount for internal consumers (metrics), and the body that
    // leaves the platform (externalEventData, the webhook body's data) names the donor without the amount or the transfer.
    const hiddenEvent = rows.find((r: { payload: { data: { user_id: string } } }) => r.payload.data.user_id === hidden);
    expect(hiddenEvent.payload.data).toMatchObject({ visibility: 'hide_amount', amount: 5_000 });
    const outside = externalEventData('donation_create', hiddenEvent.payload.data) as Record<string, unknown>;
    expect(outside).toMatchObject({ user_id: hidden, visibility: 'hide_amount', amount: null, points: null, bonus_points: null, transfer_id: null });
    expect(JSON.stringify(outside)).not.toContain('5000');
    const named1 = rows.find((r: { payload: { data: { user_id: string } } }) => r.payload.data.user_id === named);
    expect(named1.key).toBe(named);
    // A named donation's reference is not the anonymous one: a public event cannot unmask the anonymous donations.
    expect(named1.payload.data.donor_ref).not.toBe(a.donor_ref);
    expect((await t.get(`/v1/users/${anon}/donations`, { user: anon })).body.data.every((d: { donor_ref: string }) => d.donor_ref === a.donor_ref)).toBe(true);
    await waitFor(() => seen.filter((m) => m.value.includes(c.id)).length >= 5, 'the campaign events on Kafka', 30_000);
    for (const m of seen.filter((x) => x.value.includes(c.id))) {
      expect(m.value).not.toContain(anon);
      expect(m.key ?? '').not.toContain(anon);
    }

    // The rewards-service (donor badge) learns the donor over a signed internal call; nobody else may ask.
    expect((await t.get(`/internal/v1/donations/${a.id}/donor`, { service: 'rewards-service' })).body).toMatchObject({ user_id: anon, visibility: 'anonymous' });
    expect((await t.get(`/internal/v1/donations/${a.id}/donor`, { service: 'metrics-service' })).status).toBe(403);
    expect((await t.get(`/internal/v1/donations/${a.id}/donor`, ADMIN)).status).toBe(403);
  });

  it('a money donation to a campaign with a PBO reference gets a Section 18A receipt (JSON and printable HTML); points only get an acknowledgement', async () => {
    const c = await newCampaign({ pbo_reference: '930012345', beneficiary: 'Ubuntu Learners Trust' });
    const user = uuidv7();
    await t.fund(user, 20_000, 500);
    const money = await donate(user, { campaign_id: c.id, amount: 12_345 });
    const points = await donate(user, { campaign_id: c.id, points: 300 });
    expect(points.receipt_number).toBeNull();

    const json = await t.get(`/v1/users/${user}/donations/${money.id}/receipt`, { user });
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({
      type: 'section_18a', number: money.receipt_number, amount: 12_345, voided: false,
      section_18a: { pbo_name: 'Ubuntu Learners Trust', pbo_reference: '930012345', amount: 12_345, receipt_number: money.receipt_number },
    });
    expect(json.body.section_18a.certification).toMatch(/section 18A of the Income Tax Act/);
    expect(json.body.section_18a.date_received).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const html = await t.get(`/v1/users/${user}/donations/${money.id}/receipt?format=html`, { user });
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(html.text).toContain('Section 18A tax receipt');
    expect(html.text).toContain('930012345');
    expect(html.text).toContain('R 123.45');
    expect(html.text).toContain(money.receipt_number);

    const ack = await t.get(`/v1/users/${user}/donations/${points.id}/receipt`, { user });
    expect(ack.body).toMatchObject({ type: 'acknowledgement', points: 300 });
    expect(ack.body.section_18a).toBeUndefined();
    expect((await t.get(`/v1/users/${user}/donations/${points.id}/receipt?format=html`, { user })).text).not.toContain('18A');

    const plain = await newCampaign();
    const d = await donate(user, { campaign_id: plain.id, amount: 500 });
    expect((await t.get(`/v1/users/${user}/donations/${d.id}/receipt`, { user })).body).toMatchObject({ type: 'receipt', pbo_reference: null });
    expect((await t.get(`/v1/users/${uuidv7()}/donations/${money.id}/receipt`, { user })).status).toBe(404);

    const year = Number(money.receipt_number.slice(3, 7));
    const csv = await t.get(`/v1/donations/receipts/export?tax_year=${year}`, ADMIN);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('receipt_number,tax_year,kind,issued_at,donation_id,donor_user_id,campaign_id,amount_cents,currency,pbo_name,pbo_reference,voided_at,void_reason');
    expect(lines.find((l) => l.startsWith(money.receipt_number))).toContain(',section_18a,');
    expect(lines.find((l) => l.startsWith(d.receipt_number))).toContain(',receipt,');
    expect((await t.get('/v1/donations/receipts/export?tax_year=abc', ADMIN)).status).toBe(400);
  });

  it("the Green Scholar Fund's raised money is the fund shares of all collections plus its donations, as the wallet holds them", async () => {
    const resident = uuidv7();
    const collected = await t.walletCall('POST', '/v1/collections', { user_id: resident, materials: [{ material: 'PET', kg: '12.5' }] });
    expect(collected.status).toBe(201);
    expect(collected.body.fund_amount).toBeGreaterThan(0);
    const donor = uuidv7();
    await t.fund(donor, 5_000, 1);
    await donate(donor, { campaign_id: GREEN_SCHOLAR_FUND_CAMPAIGN_ID, amount: 1_234 });
    // Other test files write to the fund all the time: the ledger's figures come from one statement
    // (one snapshot), and the service's figure counts when the fund did not move around it.
    const ledger = async () => (await walletDb.query(
      `select
         -- the fund shares of all collections (a reversed one took its share back out)
         (select coalesce(sum(c.fund_amount), 0) from collections c where not exists (select 1 from transfers r where r.reverses_transfer_id = c.transfer_id))::bigint::text as shares,
         -- what the fund's accounts got from collections and their reversals
         (select coalesce(sum(p.amount), 0) from postings p join accounts a on a.id = p.account_id join transfers t on t.id = p.transfer_id
            left join transfers o on o.id = t.reverses_transfer_id
           where a.owner_type = 'campaign' and a.owner_id = $1 and a.asset = 'ZAR' and (t.kind = 'collection' or o.kind = 'collection'))::bigint::text as from_collections,
         -- everything else: donations, their refunds, redirects into the fund
         (select coalesce(sum(p.amount), 0) from postings p join accounts a on a.id = p.account_id join transfers t on t.id = p.transfer_id
            left join transfers o on o.id = t.reverses_transfer_id
           where a.owner_type = 'campaign' and a.owner_id = $1 and a.asset = 'ZAR' and t.kind <> 'collection' and coalesce(o.kind, '') <> 'collection')::bigint::text as donations`,
      [GREEN_SCHOLAR_FUND_CAMPAIGN_ID]))[0] as { shares: string; from_collections: string; donations: string };
    const [mine] = await t.db.query(`select count(*)::int as n from donations where user_id = $1 and campaign_id = $2 and amount = 1234 and status = 'accepted'`, [donor, GREEN_SCHOLAR_FUND_CAMPAIGN_ID]);
    expect(mine.n).toBe(1);
    await waitFor(async () => {
      const before = await ledger();
      const progress = (await t.get(`/v1/donations/campaigns/${GREEN_SCHOLAR_FUND_CAMPAIGN_ID}`, ADMIN)).body.progress;
      const after = await ledger();
      // The bookkeeping itself, in one snapshot: the fund got exactly the shares of the collections.
      expect(before.from_collections).toBe(before.shares);
      expect(Number(before.shares)).toBeGreaterThanOrEqual(collected.body.fund_amount);
      expect(Number(before.donations)).toBeGreaterThanOrEqual(1_234);
      const moved = JSON.stringify(before) !== JSON.stringify(after);
      if (moved) return false;
      expect(progress.source).toBe('ledger');
      expect(progress.raised_amount).toBe(Number(before.shares) + Number(before.donations));
      return true;
    }, 'the fund raised = fund shares + donations, read while the fund stood still', 60_000, 200);
  });
});
