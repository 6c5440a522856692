import { uuidv7 } from '@wozamali/contracts';
import { waitFor } from '@wozamali/testing';
import { CampaignEndJob } from '../../src/workers/donation-jobs';
import { ADMIN, useDonations } from '../support/donations-app';

jest.setTimeout(90_000);

describe('campaigns: status, targets and the end date', () => {
  const t = useDonations({ CAMPAIGN_END_INTERVAL_MS: '600000' });
  const patch = (id: string, body: Record<string, unknown>) => t.call('PATCH', `/v1/donations/campaigns/${id}`, ADMIN, body);

  it('draft → active → completed, never back; after activation a target may rise but never below what was raised', async () => {
    const created = await t.post('/v1/donations/campaigns', ADMIN, { name: 'Desks', beneficiary: 'School', target_amount: 50_000 });
    expect(created.body).toMatchObject({ status: 'draft', on_target: 'complete', target_amount: 50_000, progress: { raised_amount: 0, amount_percent: 0 } });
    const id = created.body.id as string;
    expect((await patch(id, { target_amount: 20_000 })).body.target_amount).toBe(20_000); // a draft may change freely
    expect((await patch(id, { status: 'active' })).body.status).toBe('active');
    const user = uuidv7();
    await t.fund(user, 30_000, 1);
    expect((await t.post(`/v1/users/${user}/donations`, { user }, { campaign_id: id, amount: 15_000 })).status).toBe(201);
    const lower = await patch(id, { target_amount: 19_999 });
    expect([lower.status, lower.body.code]).toEqual([422, 'target_below_raised']);
    expect((await patch(id, { target_amount: null })).body.code).toBe('invalid_transition');
    expect((await patch(id, { target_amount: 40_000, target_points: 10 })).body).toMatchObject({ target_amount: 40_000, target_points: 10, progress: { amount_percent: 37 } });
    expect((await patch(id, { status: 'draft' })).status).toBe(400);
    const done = await patch(id, { status: 'completed' });
    expect(done.body).toMatchObject({ status: 'completed', completion_reason: 'target_reached' });
    expect((await patch(id, { name: 'Renamed' })).body.code).toBe('invalid_transition');
    const events = await t.db.query(`select type, payload->'data'->>'status' as status from outbox where payload->'data'->>'campaign_id' = $1 and type like 'campaign%' order by seq`, [id]);
    expect(events.filter((e: { type: string }) => e.type === 'campaign_completed')).toHaveLength(1);
    expect(events[0]).toEqual({ type: 'campaign_update', status: 'draft' });
  });

  it('a campaign whose end date passes is completed once by the job (runs racing), and then refuses donations', async () => {
    const ends = new Date(Date.now() + 1_500).toISOString();
    const id = (await t.post('/v1/donations/campaigns', ADMIN, { name: 'Short', beneficiary: 'B', status: 'active', ends_at: ends })).body.id as string;
    const user = uuidv7();
    await t.fund(user, 5_000, 1);
    expect((await t.post(`/v1/users/${user}/donations`, { user }, { campaign_id: id, amount: 1_000 })).status).toBe(201);
    await waitFor(() => Date.now() > Date.parse(ends) + 100, 'the end date to pass', 10_000);
    const late = await t.post(`/v1/users/${user}/donations`, { user }, { campaign_id: id, amount: 1_000 });
    expect([late.status, late.body.code]).toEqual([409, 'campaign_not_active']);
    const job = t.app.get(CampaignEndJob).job;
    await Promise.all([job.runOnce(), job.runOnce()]);
    await job.runOnce();
    const [row] = await t.db.query('select status, completion_reason from campaigns where id = $1', [id]);
    expect(row).toEqual({ status: 'completed', completion_reason: 'ended' });
    const completed = await t.db.query(`select payload from outbox where type = 'campaign_completed' and payload->'data'->>'campaign_id' = $1`, [id]);
    expect(completed).toHaveLength(1);
    expect(completed[0].payload.data).toMatchObject({ reason: 'ended', raised_amount: 1_000, donors: 1, target_amount: null });
    expect((await t.post(`/v1/users/${user}/donations`, { user }, { campaign_id: id, amount: 1_000 })).body.code).toBe('campaign_completed');
  });

  it('lists campaigns by status with their progress', async () => {
    const res = await t.get('/v1/donations/campaigns?status=active', { user: uuidv7() });
    expect(res.status).toBe(200);
    expect(res.body.data.length).toBeGreaterThan(0);
    expect(res.body.data.every((c: { status: string }) => c.status === 'active')).toBe(true);
    expect(res.body.data[0]).toMatchObject({ always_active: true, name: 'Green Scholar Fund' });
  });
});
