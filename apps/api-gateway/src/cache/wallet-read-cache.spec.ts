import { WalletReadCache, type CachedWallet } from './wallet-read-cache';

const answer = (balance: number): Omit<CachedWallet, 'storedAt'> => ({ status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ balance })) });
const balanceOf = (c: CachedWallet | null) => (c ? (JSON.parse(c.body.toString()) as { balance: number }).balance : null);

function setup(overrides: Partial<ConstructorParameters<typeof WalletReadCache>[0]> = {}) {
  let now = 1_000_000;
  const cache = new WalletReadCache({ ttlMs: 2000, maxEntries: 3, maxFeedSilenceMs: 1000, maxReadMs: 5000, now: () => now, ...overrides });
  return { cache, tick: (ms: number) => { now += ms; }, at: () => now };
}

describe('WalletReadCache', () => {
  it('serves a stored answer until its TTL, then asks the backend again', () => {
    const { cache, tick, at } = setup();
    cache.feedAlive();
    expect(cache.lookup('u1')).toBeNull();
    expect(cache.store('u1', cache.ticket(), answer(100), at())).toBe(true);
    for (const step of [500, 500, 500, 499]) {
      tick(step);
      cache.feedAlive(); // the feed keeps answering
    }
    expect(balanceOf(cache.lookup('u1'))).toBe(100);
    tick(1);
    expect(cache.lookup('u1')).toBeNull();
    expect(cache.stats).toMatchObject({ hits: 1, misses: 2, stores: 1 });
  });

  it('serves nothing while the invalidation feed is silent, and drops everything when it comes back', () => {
    const { cache, tick, at } = setup({ ttlMs: 60_000 });
    expect(cache.store('u1', cache.ticket(), answer(100), at())).toBe(false); // the feed never answered
    cache.feedAlive();
    expect(cache.store('u1', cache.ticket(), answer(100), at())).toBe(true);
    tick(1001); // silent for longer than allowed: events may be missing
    expect(cache.live).toBe(false);
    expect(cache.lookup('u1')).toBeNull();
    cache.feedAlive(); // back: what was cached before the gap is not trusted
    expect(cache.lookup('u1')).toBeNull();
    expect(cache.size).toBe(0);
  });

  it('an eviction drops the user at once, and a read that was in flight meanwhile does not store its older answer', () => {
    const { cache, at } = setup();
    cache.feedAlive();
    cache.store('u1', cache.ticket(), answer(100), at());
    const inFlight = cache.ticket(); // a read of u1 starts…
    cache.evict('u1'); // …a credit commits and its event arrives…
    expect(cache.lookup('u1')).toBeNull();
    expect(cache.store('u1', inFlight, answer(100), at())).toBe(false); // …the read's answer may predate it
    expect(cache.lookup('u1')).toBeNull();
    expect(cache.store('u1', cache.ticket(), answer(350), at())).toBe(true); // a read begun after it may store
    expect(balanceOf(cache.lookup('u1'))).toBe(350);
    // Other users' reads in flight are not affected by u1's eviction.
    const other = cache.ticket();
    cache.evict('u1');
    expect(cache.store('u2', other, answer(7), at())).toBe(true);
  });

  it('clear() drops every user and refuses every read in flight', () => {
    const { cache, at } = setup();
    cache.feedAlive();
    cache.store('u1', cache.ticket(), answer(1), at());
    const inFlight = cache.ticket();
    cache.clear();
    expect(cache.lookup('u1')).toBeNull();
    expect(cache.store('u2', inFlight, answer(2), at())).toBe(false);
    expect(cache.store('u2', cache.ticket(), answer(2), at())).toBe(true);
  });

  it('a read slower than the backend timeout cannot store (its eviction may have been forgotten)', () => {
    const { cache, tick, at } = setup({ maxFeedSilenceMs: 60_000 });
    cache.feedAlive();
    const startedAt = at();
    const ticket = cache.ticket();
    tick(5001);
    expect(cache.store('u1', ticket, answer(1), startedAt)).toBe(false);
  });

  it('keeps at most maxEntries, dropping the oldest stored first', () => {
    const { cache, at } = setup();
    cache.feedAlive();
    for (const u of ['a', 'b', 'c']) cache.store(u, cache.ticket(), answer(1), at());
    cache.store('a', cache.ticket(), answer(2), at()); // a is now the newest
    cache.store('d', cache.ticket(), answer(1), at());
    expect(cache.size).toBe(3);
    expect(cache.lookup('b')).toBeNull();
    expect(balanceOf(cache.lookup('a'))).toBe(2);
    expect(cache.lookup('c')).not.toBeNull();
  });

  it('with a TTL of 0 it is off', () => {
    const { cache, at } = setup({ ttlMs: 0 });
    cache.feedAlive();
    expect(cache.enabled).toBe(false);
    expect(cache.store('u1', cache.ticket(), answer(1), at())).toBe(false);
    expect(cache.lookup('u1')).toBeNull();
  });
});
