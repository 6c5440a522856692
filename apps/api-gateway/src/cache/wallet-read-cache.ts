/** One cached answer of the wallet-service to `GET /v1/wallets/{user_id}`. */
export interface CachedWallet {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
  storedAt: number;
}

export interface WalletReadCacheOptions {
  /** How long an answer may be served; 0 turns the cache off. */
  ttlMs: number;
  /** Entries kept at most (the oldest go first). */
  maxEntries: number;
  /** The invalidation feed must have answered within this long, or nothing is served from memory. */
  maxFeedSilenceMs: number;
  /** A read in flight longer than this cannot store its answer (the backend timeout bounds it). */
  maxReadMs: number;
  now?: () => number;
}

/**
 * Balance reads served from the gateway's memory, so the busiest call of the public API (a resident
 * or a partner checking a balance) costs neither a backend hop nor a query.
 *
 * What a reader can see:
 * - a write made through this gateway instance is visible to the next read at once (the proxy
 *   evicts the users a write names when its answer arrives);
 * - a write made elsewhere (another instance, a service calling the wallet directly) is visible as
 *   soon as its `wallet_update` / `points_update` / `tier_update` reaches this instance through
 *   Kafka (the feed evicts the event's user), and never later than `ttlMs`;
 * - while the feed is silent (Kafka unreachable, consumer not joined yet) nothing is served from
 *   memory, and when it comes back everything cached before is dropped (events may have been missed);
 * - a read that was in flight when its user was evicted does not store its (maybe older) answer.
 *
 * The cache never decides anything about money: spends, holds and withdrawals are checked by the
 * wallet-service's ledger, not by what a reader was shown.
 */
export class WalletReadCache {
  private readonly entries = new Map<string, CachedWallet>();
  /** User → the sequence number of their last eviction (kept for as long as a read can be in flight). */
  private readonly evictions = new Map<string, { seq: number; at: number }>();
  private seq = 0;
  private clearedSeq = 0;
  private feedAt = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;
  readonly stats = { hits: 0, misses: 0, stores: 0, refusedStores: 0, evictions: 0, clears: 0 };

  constructor(private readonly opts: WalletReadCacheOptions) {
    this.now = opts.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.opts.ttlMs > 0;
  }

  /** Serving from memory is allowed only while the invalidation feed is alive. */
  get live(): boolean {
    return this.enabled && this.now() - this.feedAt <= this.opts.maxFeedSilenceMs;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The feed answered (a fetch came back, with or without events). After a silence, everything goes. */
  feedAlive(): void {
    if (!this.live) this.clear();
    this.feedAt = this.now();
  }

  lookup(userId: string): CachedWallet | null {
    if (!this.live) return null;
    const hit = this.entries.get(userId);
    if (!hit || this.now() - hit.storedAt >= this.opts.ttlMs) {
      this.stats.misses += 1;
      return null;
    }
    this.stats.hits += 1;
    return hit;
  }

  /** Call before reading from the backend; pass the ticket to {@link store}. */
  ticket(): number {
    return this.seq;
  }

  /** Keeps a backend answer, unless its user (or everyone) was evicted since the read began. */
  store(userId: string, ticket: number, answer: Omit<CachedWallet, 'storedAt'>, startedAt: number): boolean {
    const evicted = this.evictions.get(userId);
    const now = this.now();
    if (!this.live || ticket < this.clearedSeq || (evicted && evicted.seq > ticket) || now - startedAt > this.opts.maxReadMs) {
      this.stats.refusedStores += 1;
      return false;
    }
    if (this.entries.size >= this.opts.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.delete(userId); // re-inserted last: the Map's order is the age order
    this.entries.set(userId, { ...answer, storedAt: now });
    this.stats.stores += 1;
    return true;
  }

  evict(userId: string): void {
    this.seq += 1;
    const now = this.now();
    this.evictions.delete(userId);
    this.evictions.set(userId, { seq: this.seq, at: now });
    this.entries.delete(userId);
    this.stats.evictions += 1;
    // Evictions older than any read in flight can no longer refuse a store.
    for (const [user, e] of this.evictions) {
      if (now - e.at <= this.opts.maxReadMs) break;
      this.evictions.delete(user);
    }
  }

  /** Drops everything (a write whose users are unknown, a gap in the feed). */
  clear(): void {
    this.seq += 1;
    this.clearedSeq = this.seq;
    this.entries.clear();
    this.stats.clears += 1;
  }
}
