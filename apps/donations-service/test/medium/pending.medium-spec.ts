import { uuidv7 } from '@wozamali/contracts';
import { openTestDataSource, waitFor } from '@wozamali/testing';
import type { DataSource } from 'typeorm';
import { ADMIN, useDonations } from '../support/donations-app';

jest.setTimeout(120_000);

describe('with the wallet unreachable a donation is pending (202) and the worker applies it once', () => {
  const t = useDonations({ WALLET_TIMEOUT_MS: '1500' });
  let walletDb: DataSource;
  beforeAll(async () => { walletDb = await openTestDataSource('wallet-service', 2); });
  afterAll(async () => { await walletDb?.destroy(); });

  it('the wallet process stopped → 202 pending; once it is back the worker applies it once, with its receipt and event', async () => {
    const c = (await t.post('/v1/donations/campaigns', ADMIN, { name: `C ${uuidv7()}`, beneficiary: 'B', status: 'active' })).body;
    const user = uuidv7();
    await t.fund(user, 10_000, 10);
    await t.wallet.stop('SIGKILL');
    const key = uuidv7();
    const res = await t.post(`/v1/users/${user}/donations`, { user }, { campaign_id: c.id, amount: 4_000, points: 5 }, key);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'pending', receipt_number: null, transfer_id: null });
    const again = await t.post(`/v1/users/${user}/donations`, { user }, { campaign_id: c.id, amount: 4_000, points: 5 }, key);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(res.body.id);
    await t.restartWallet();
    const done = await waitFor(async () => {
      const d = (await t.get(`/v1/users/${user}/donations/${res.body.id}`, { user })).body;
      return d.status === 'accepted' ? d : null;
    }, 'the worker to finish the donation', 60_000, 250);
    expect(done.receipt_number).toMatch(/^WM-/);
    const transfers = await walletDb.query(`select id from transfers where user_id = $1 and kind = 'donate'`, [user]);
    expect(transfers).toEqual([{ id: done.transfer_id }]);
    expect((await t.walletCall('GET', `/v1/wallets/${user}`)).body).toMatchObject({ balance: 6_000, points: 45 });
    const events = await t.db.query(`select count(*)::int as n from outbox where type = 'donation_create' and payload->'data'->>'donation_id' = $1`, [res.body.id]);
    expect(events[0].n).toBe(1);
  });
});
