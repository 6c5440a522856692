import { uuidv7 } from '@wozamali/contracts';
import { serviceAuthHeaders } from '@wozamali/testing';
import { WalletClient } from '@wozamali/wallet-client';
import { useWalletApp } from '../support/wallet-app';

// The shared wallet client against the real wallet-service: what rewards, donations and withdrawals will see.
describe('WalletClient against the real wallet', () => {
  const t = useWalletApp();
  let wallet: WalletClient;
  let donations: WalletClient;
  // Each service signs its own service token (the wallet's caller table decides its routes).
  const client = (service: string) => new WalletClient({ baseUrl: t.w.url, serviceId: service, timeoutMs: 10_000, authHeaders: (audience) => serviceAuthHeaders(audience, service) });

  beforeAll(() => {
    wallet = client('withdrawals-service');
    donations = client('donations-service');
  });
  afterAll(() => {
    wallet.close();
    donations.close();
  });

  const fund = async (user: string, cents: number) => {
    const res = await t.w.post(`/v1/users/${user}/points/earn`, { points: 1, amount: cents, reason: 'test funding' });
    expect(res.status).toBe(201);
  };

  it('a hold is applied once: the same key answers the same hold, replayed; the same key with another body is refused', async () => {
    const user = uuidv7();
    await fund(user, 10_000);
    const op = uuidv7();
    const body = { user_id: user, amount: 6_000, description: 'withdrawal', reference: op };
    const first = await wallet.createHold(body, { idempotencyKey: `${op}:hold`, requestId: `req-${op}` });
    if (first.kind !== 'applied') throw new Error(`expected applied, got ${JSON.stringify(first)}`);
    expect(first.replayed).toBe(false);
    expect(first.body).toMatchObject({ status: 'pending', amount: 6_000, user_id: user, wallet: { balance: 10_000, held: 6_000, available: 4_000 } });

    const again = await wallet.createHold(body, { idempotencyKey: `${op}:hold` });
    expect(again).toMatchObject({ kind: 'applied', replayed: true, body: { hold_id: first.body.hold_id, transfer_id: first.body.transfer_id } });
    expect((await t.w.get(`/v1/wallets/${user}`)).body).toMatchObject({ held: 6_000, available: 4_000 });

    const reused = await wallet.createHold({ ...body, amount: 1 }, { idempotencyKey: `${op}:hold` });
    expect(reused).toMatchObject({ kind: 'refused', code: 'idempotency_key_reused', status: 409 });
  });

  it('an unaffordable hold is refused 422 insufficient_funds and holds nothing', async () => {
    const user = uuidv7();
    await fund(user, 2_000);
    const out = await wallet.createHold({ user_id: user, amount: 2_001, description: 'withdrawal' }, { idempotencyKey: `${uuidv7()}:hold` });
    expect(out).toMatchObject({ kind: 'refused', code: 'insufficient_funds', status: 422 });
    expect((await t.w.get(`/v1/wallets/${user}`)).body).toMatchObject({ balance: 2_000, held: 0, available: 2_000 });
  });

  it('posts a hold once (a replay answers the same transfer) and a posted hold cannot be voided', async () => {
    const user = uuidv7();
    await fund(user, 5_000);
    const op = uuidv7();
    const hold = await wallet.createHold({ user_id: user, amount: 3_000, description: 'withdrawal' }, { idempotencyKey: `${op}:hold` });
    if (hold.kind !== 'applied') throw new Error(`expected applied, got ${JSON.stringify(hold)}`);
    const holdId = hold.body.hold_id;

    const posted = await wallet.postHold(holdId, {}, { idempotencyKey: `${op}:post` });
    if (posted.kind !== 'applied') throw new Error(`expected applied, got ${JSON.stringify(posted)}`);
    expect(posted).toMatchObject({ replayed: false, body: { hold_id: holdId, status: 'posted', wallet: { balance: 2_000, held: 0, available: 2_000 } } });
    expect(await wallet.postHold(holdId, {}, { idempotencyKey: `${op}:post` })).toMatchObject({ kind: 'applied', replayed: true, body: { transfer_id: posted.body.transfer_id } });

    expect(await wallet.voidHold(holdId, {}, { idempotencyKey: `${op}:void` })).toMatchObject({ kind: 'refused', code: 'hold_not_pending', status: 409 });
    expect((await t.w.get(`/v1/wallets/${user}`)).body).toMatchObject({ balance: 2_000, held: 0 });
  });

  it('voids a hold back into available money; an unknown hold is refused 404', async () => {
    const user = uuidv7();
    await fund(user, 5_000);
    const op = uuidv7();
    const hold = await wallet.createHold({ user_id: user, amount: 5_000, description: 'withdrawal' }, { idempotencyKey: `${op}:hold` });
    if (hold.kind !== 'applied') throw new Error(`expected applied, got ${JSON.stringify(hold)}`);
    const voided = await wallet.voidHold(hold.body.hold_id, { description: 'rejected by an admin' }, { idempotencyKey: `${op}:void` });
    expect(voided).toMatchObject({ kind: 'applied', replayed: false, body: { status: 'voided', wallet: { balance: 5_000, held: 0, available: 5_000 } } });
    expect(await wallet.postHold(hold.body.hold_id, {}, { idempotencyKey: `${op}:post` })).toMatchObject({ kind: 'refused', code: 'hold_not_pending' });
    expect(await wallet.voidHold(uuidv7(), {}, { idempotencyKey: `${uuidv7()}:void` })).toMatchObject({ kind: 'refused', code: 'hold_not_found', status: 404 });
  });

  it('a single-leg transfer is applied, refused when unaffordable, and reversed once', async () => {
    const user = uuidv7();
    const campaign = uuidv7();
    await fund(user, 1_000);
    const donate = (amount: number) => ({ kind: 'donate' as const, from: { type: 'user' as const, id: user }, to: { type: 'campaign' as const, id: campaign }, asset: 'ZAR' as const, amount, description: 'donation' });
    expect(await donations.transfer(donate(1_001), { idempotencyKey: `${uuidv7()}:transfer` })).toMatchObject({ kind: 'refused', code: 'insufficient_funds', status: 422 });
    const op = uuidv7();
    const done = await donations.transfer(donate(400), { idempotencyKey: `${op}:transfer` });
    if (done.kind !== 'applied') throw new Error(`expected applied, got ${JSON.stringify(done)}`);
    expect(done.body).toMatchObject({ kind: 'donate', user_id: user });
    expect(done.body.postings.map((p) => p.amount).sort((a, b) => a - b)).toEqual([-400, 400]);

    const reversed = await donations.reverseTransfer(done.body.transfer_id, { reason: 'refund' }, { idempotencyKey: `${op}:reverse` });
    expect(reversed).toMatchObject({ kind: 'applied', replayed: false, body: { reverses_transfer_id: done.body.transfer_id } });
    expect(await donations.reverseTransfer(done.body.transfer_id, { reason: 'refund' }, { idempotencyKey: `${uuidv7()}:reverse` }))
      .toMatchObject({ kind: 'refused', code: 'transfer_already_reversed', status: 409 });
    expect((await t.w.get(`/v1/wallets/${user}`)).body).toMatchObject({ balance: 1_000 });
  });

  it('a 400 from the wallet\'s validation is refused with validation_failed', async () => {
    const out = await wallet.createHold({ user_id: 'not-a-uuid', amount: 1, description: 'withdrawal' }, { idempotencyKey: `${uuidv7()}:hold` });
    expect(out).toMatchObject({ kind: 'refused', code: 'validation_failed', status: 400 });
  });
});
