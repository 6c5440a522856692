import { uuidv7 } from '@wozamali/contracts';
import { WithdrawalService } from '../../src/services/withdrawal.service';
import { admin, bankDestination, resident, useHarness } from '../support/harness';

// Admin decisions against the real wallet-service and PostgreSQL: four eyes, guarded transitions, history.
describe('withdrawal approval', () => {
  const h = useHarness();

  /** A pending withdrawal of `amount` for a new, funded resident with a known destination. */
  async function pending(amount: number, requestedBy?: (user: string) => ReturnType<typeof resident>): Promise<{ user: string; id: string }> {
    const user = uuidv7();
    const dest = bankDestination();
    await h.fund(user, amount + 10_000);
    await h.knownDestination(user, 'bank_transfer', dest);
    const res = await h.call('POST', `/v1/users/${user}/withdrawals`, (requestedBy ?? resident)(user), { amount, currency: 'ZAR', method: 'bank_transfer', destination: dest });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('pending');
    return { user, id: res.body.id };
  }
  const approve = (id: string, who: ReturnType<typeof admin>, note = 'checked the bank letter') => h.call('POST', `/v1/withdrawals/${id}/approve`, who, { note });
  const reject = (id: string, who: ReturnType<typeof admin>, note = 'account holder does not match') => h.call('POST', `/v1/withdrawals/${id}/reject`, who, { note });

  it('two admins approving at once: one approval, the other 409 invalid_transition; the history has one approval', async () => {
    const { id } = await pending(10_000);
    const [a, b] = await Promise.all([approve(id, admin()), approve(id, admin())]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect([a, b].find((x) => x.status === 409)!.body.code).toBe('invalid_transition');
    const one = await h.call('GET', `/v1/withdrawals/${id}`, admin());
    expect(one.body.status).toBe('approved');
    expect(one.body.history.filter((x: { to: string }) => x.to === 'approved')).toHaveLength(1);
    expect(one.body.history.at(-1)).toMatchObject({ from: 'pending', to: 'approved', action: 'approve', note: 'checked the bank letter' });
  });

  it('the requester may not approve their own: an admin who asked for a resident, or an admin for themselves', async () => {
    const office = admin();
    const { id } = await pending(10_000, () => office);
    const own = await approve(id, office);
    expect(own.status).toBe(403);
    expect(own.body.code).toBe('self_approval');
    const user = uuidv7();
    const dest = bankDestination();
    await h.fund(user, 20_000);
    await h.knownDestination(user, 'bank_transfer', dest);
    const self = await h.call('POST', `/v1/users/${user}/withdrawals`, admin(user), { amount: 10_000, currency: 'ZAR', method: 'bank_transfer', destination: dest });
    expect((await approve(self.body.id, admin(user))).body.code).toBe('self_approval');
    expect((await h.call('GET', `/v1/withdrawals/${id}`, admin())).body.status).toBe('pending');
  });

  it('a resident cannot approve at all', async () => {
    const { id, user } = await pending(10_000);
    expect((await approve(id, resident(user) as ReturnType<typeof admin>)).status).toBe(403);
  });

  it('at or above the threshold one approval waits for a second, different admin', async () => {
    const { id } = await pending(200_000);
    const first = admin();
    const a = await approve(id, first);
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ status: 'pending', approvals: [first.type === 'user' ? first.userId : ''] });
    const again = await approve(id, first);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('already_approved_by_you');
    const b = await approve(id, admin());
    expect(b.body.status).toBe('approved');
    expect(b.body.approvals).toHaveLength(2);
  });

  it('a rejection needs a note, voids the hold and restores available money; it cannot be approved after', async () => {
    const { id, user } = await pending(10_000);
    expect((await h.walletOf(user)).held).toBe(10_000);
    const noNote = await h.call('POST', `/v1/withdrawals/${id}/reject`, admin(), {});
    expect(noNote.status).toBe(400);
    const blank = await reject(id, admin(), '   ');
    expect(blank.status).toBe(400);
    const res = await reject(id, admin());
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('rejected');
    expect(await h.walletOf(user)).toMatchObject({ held: 0, available: 20_000 });
    expect((await approve(id, admin())).body.code).toBe('invalid_transition');
    const hist = (await h.call('GET', `/v1/withdrawals/${id}`, admin())).body.history;
    expect(hist.at(-1)).toMatchObject({ from: 'pending', to: 'rejected', note: 'account holder does not match' });
    expect(hist.at(-1).transfer_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('the history is append-only in the database', async () => {
    const { id } = await pending(10_000);
    await expect(h.db.query('update withdrawal_history set note = $2 where withdrawal_id = $1', [id, 'x'])).rejects.toThrow(/append-only/);
    await expect(h.db.query('delete from withdrawal_history where withdrawal_id = $1', [id])).rejects.toThrow(/append-only/);
  });

  it('an undecided request expires after the rule and its hold is voided once', async () => {
    const { id, user } = await pending(10_000);
    await h.db.query(`update withdrawals set status_changed_at = now() - interval '8 days' where id = $1`, [id]);
    const service = h.app.get(WithdrawalService);
    expect(await service.expireUndecided()).toBeGreaterThanOrEqual(1);
    await service.expireUndecided();
    const one = await h.call('GET', `/v1/withdrawals/${id}`, admin());
    expect(one.body.status).toBe('expired');
    expect(one.body.history.filter((x: { to: string }) => x.to === 'expired')).toHaveLength(1);
    expect(await h.walletOf(user)).toMatchObject({ held: 0, available: 20_000 });
  });

  it('the admin list filters by status and method, newest first', async () => {
    const a = await pending(10_000);
    const b = await pending(11_000);
    await reject(a.id, admin());
    const rejected = await h.call('GET', '/v1/withdrawals?status=rejected&method=bank_transfer&limit=100', admin());
    expect(rejected.status).toBe(200);
    expect(rejected.body.data.every((w: { status: string }) => w.status === 'rejected')).toBe(true);
    expect(rejected.body.data.map((w: { id: string }) => w.id)).toContain(a.id);
    const all = await h.call('GET', `/v1/withdrawals?from=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}&limit=100`, admin());
    const ids = all.body.data.map((w: { id: string }) => w.id);
    expect(ids.indexOf(b.id)).toBeLessThan(ids.indexOf(a.id));
    expect((await h.call('GET', '/v1/withdrawals?status=nonsense', admin())).status).toBe(400);
  });

  it('limits are data: an admin reads and replaces them; a bad document is 400 and changes nothing', async () => {
    const before = await h.call('GET', '/v1/withdrawals/limits', admin());
    expect(before.body).toMatchObject({ min_amount: 5_000, max_amount: 500_000, daily_amount: 1_000_000, daily_count: 3, max_open: 1, cooling_off_hours: 24, time_zone: 'Africa/Johannesburg', two_approvals_from: 200_000, expire_after_hours: 168 });
    const bad = await h.call('PUT', '/v1/withdrawals/limits', admin(), { ...before.body, min_amount: 600_000 });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_limits');
    const same = await h.call('PUT', '/v1/withdrawals/limits', admin(), { ...before.body });
    expect(same.status).toBe(200);
    expect((await h.call('GET', '/v1/withdrawals/limits', admin())).body).toEqual(before.body);
    expect((await h.call('PUT', '/v1/withdrawals/limits', resident(uuidv7()), before.body)).status).toBe(403);
  });
});
