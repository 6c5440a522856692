import { randomBytes } from 'node:crypto';
import { uuidv7 } from '@wozamali/contracts';
import { keyId, SecretBox } from '@wozamali/platform';
import { DEV_DESTINATION_KEY } from '../../src/config/env';
import { WithdrawalRepository } from '../../src/repositories/withdrawal.repository';
import { DestinationReseal } from '../../src/services/destination-reseal';
import { DisbursementPayoutService } from '../../src/services/disbursement-payout.service';
import { WithdrawalsServiceEnv } from '../../src/config/env';
import { PayoutProviders } from '../../src/payout/payout-providers';
import { DataSource } from 'typeorm';
import { bankDestination, resident, useHarness } from '../support/harness';

// The destination key rotates as the dispatcher's endpoint secrets do (the shared SecretBox): deploy
// the new key as current with the old one as previous, the boot's re-seal moves every destination to
// it, then the old key can go. (Run here on this test's row only: other files share the database and
// keep the development key.)
describe('destination key rotation', () => {
  const h = useHarness();
  const NAMES = { current: 'WITHDRAWAL_DESTINATION_KEY', previous: 'WITHDRAWAL_PREVIOUS_DESTINATION_KEYS' };
  const kid = (base64: string) => keyId(Buffer.from(base64, 'base64'));
  const kidOf = (sealed: Buffer) => sealed.subarray(1, 9).toString('hex');

  /** The repository as the re-seal sees it, limited to `id`. */
  function only(id: string): WithdrawalRepository {
    const repo = h.app.get(WithdrawalRepository);
    return Object.assign(Object.create(repo) as WithdrawalRepository, {
      ciphertextsAfter: async (after: string, limit: number) => (await repo.ciphertextsAfter(after, 100_000)).filter((r) => r.id === id).slice(0, limit),
    });
  }

  it('re-seals a stored destination under the new key; after that the old key is not needed, and without a key nothing opens', async () => {
    const user = uuidv7();
    const dest = bankDestination('7712345678');
    await h.fund(user, 20_000);
    await h.knownDestination(user, 'bank_transfer', dest);
    const made = await h.call('POST', `/v1/users/${user}/withdrawals`, resident(user), { amount: 10_000, currency: 'ZAR', method: 'bank_transfer', destination: dest });
    expect(made.status).toBe(201);
    const id = made.body.id as string;
    const sealed = async () => (await h.db.query('select destination_ciphertext from withdrawals where id = $1', [id]))[0].destination_ciphertext as Buffer;
    const before = await sealed();
    expect(kidOf(before)).toBe(kid(DEV_DESTINATION_KEY));
    expect(before.toString('latin1')).not.toContain('7712345678');

    const next = randomBytes(32).toString('base64');
    const rotating = new SecretBox(next, [DEV_DESTINATION_KEY], NAMES);
    expect(await new DestinationReseal(only(id), rotating).run()).toEqual({ checked: 1, resealed: 1, unreadable: 0 });
    expect(kidOf(await sealed())).toBe(kid(next));
    expect(await new DestinationReseal(only(id), rotating).run()).toEqual({ checked: 1, resealed: 0, unreadable: 0 });

    const newOnly = new SecretBox(next, [], NAMES);
    const after = await sealed();
    expect(JSON.parse(newOnly.open(after, id))).toEqual({ method: 'bank_transfer', destination: dest });
    // Bound to its withdrawal: the same ciphertext does not open as another row's.
    expect(() => newOnly.open(after, uuidv7())).toThrow();
    const stranger = new SecretBox(randomBytes(32).toString('base64'), [], NAMES);
    expect(() => stranger.open(before, id)).toThrow(/WITHDRAWAL_DESTINATION_KEY/);
    expect(await new DestinationReseal(only(id), stranger).run()).toEqual({ checked: 1, resealed: 0, unreadable: 1 });

    // Back under the development key, for the service running in this file.
    expect((await new DestinationReseal(only(id), new SecretBox(DEV_DESTINATION_KEY, [next], NAMES)).run()).resealed).toBe(1);
  });

  it("a campaign disbursement's destination (sealed for its disbursement id) is re-sealed under the new key as well", async () => {
    const id = uuidv7();
    const payouts = h.app.get(DisbursementPayoutService);
    const registered = await payouts.register(id, { campaign_id: uuidv7(), beneficiary: 'Siyakhula PBO', amount: 5_000, method: 'bank_transfer', destination: bankDestination('8812345678') });
    expect(registered.destination).not.toHaveProperty('account_number', '8812345678');
    const sealed = async () => (await h.db.query('select destination_ciphertext from disbursement_payouts where id = $1', [id]))[0].destination_ciphertext as Buffer;
    const before = await sealed();
    expect(before.toString('latin1')).not.toContain('8812345678');
    const next = randomBytes(32).toString('base64');
    const withBox = (box: SecretBox) => new DisbursementPayoutService(h.app.get(DataSource), box, h.app.get(PayoutProviders), h.app.get(WithdrawalsServiceEnv));
    expect(await withBox(new SecretBox(next, [DEV_DESTINATION_KEY], NAMES)).resealDestinations([id])).toEqual({ checked: 1, resealed: 1, unreadable: 0 });
    expect(kidOf(await sealed())).toBe(kid(next));
    // Bound to the disbursement (associated data `disbursement:<id>`): it does not open as a withdrawal of the same id.
    expect(() => new SecretBox(next, [], NAMES).open(before, `disbursement:${id}`)).toThrow(); // the old key is not there
    const resealed = await sealed();
    expect(() => new SecretBox(next, [], NAMES).open(resealed, id)).toThrow();
    expect(JSON.parse(new SecretBox(next, [], NAMES).open(await sealed(), `disbursement:${id}`))).toMatchObject({ method: 'bank_transfer', destination: { account_number: '8812345678' } });
    expect(await withBox(new SecretBox(DEV_DESTINATION_KEY, [next], NAMES)).resealDestinations([id])).toEqual({ checked: 1, resealed: 1, unreadable: 0 });
  });
});
