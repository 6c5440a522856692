import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import CircuitBreaker from 'opossum';

/** The outcome of counting one request against a bucket. */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
  /** Where the count was kept: `redis` (shared by every instance) or `local` (Redis unreachable). */
  store: 'redis' | 'local';
}

// Fixed window: the first hit of a window creates the counter with the window as its TTL. One round trip, atomic.
const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

export interface RateLimiterOptions {
  redisUrl: string;
  /** Key prefix, so test runs and environments sharing one Redis do not count together. */
  prefix: string;
  windowSeconds: number;
}

/**
 * Per-bucket request limits shared by every gateway instance through Redis.
 *
 * When Redis is down the gateway neither stops (fail closed would halt collections and payouts for
 * a cache outage) nor stops limiting (fail open would leave money routes unthrottled to whoever
 * notices): it counts in this process's memory with the same limits, so the platform-wide limit is
 * at most (instances × limit) during the outage, and says so in the logs (at most every 10 s).
 * Redis calls time out after 100 ms and go through an opossum breaker: once most of them fail, the
 * breaker opens and requests count locally at once, with a trial call to Redis every 2 s.
 */
export class RateLimiter {
  private readonly logger = new Logger('RateLimiter');
  private readonly redis: Redis;
  private readonly local = new Map<string, { count: number; resetAt: number }>();
  private lastWarning = 0;
  private readonly breaker: CircuitBreaker<[string, number], [number, number]>;

  constructor(private readonly opts: RateLimiterOptions) {
    this.redis = new Redis(opts.redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 500,
      commandTimeout: 100,
      retryStrategy: (times) => Math.min(times * 250, 2000),
      lazyConnect: false,
      enableAutoPipelining: true,
    });
    this.redis.on('error', (err: Error) => this.warn(`redis unavailable (${err.message})`));
    this.redis.defineCommand('wmHit', { numberOfKeys: 1, lua: HIT });
    const redis = this.redis as unknown as { wmHit(k: string, w: number): Promise<[number, number]> };
    this.breaker = new CircuitBreaker((key: string, windowMs: number) => redis.wmHit(key, windowMs), {
      timeout: 150, errorThresholdPercentage: 50, volumeThreshold: 5, resetTimeout: 2000, name: 'redis-rate-limit',
    });
  }

  /** The Redis breaker: `open` while Redis is skipped. */
  get breakerState(): 'closed' | 'open' | 'half-open' {
    return this.breaker.opened ? 'open' : this.breaker.halfOpen ? 'half-open' : 'closed';
  }

  async hit(bucket: string, limit: number): Promise<RateDecision> {
    const windowMs = this.opts.windowSeconds * 1000;
    try {
      const [count, ttl] = await this.breaker.fire(`${this.opts.prefix}:rl:${bucket}`, windowMs);
      return decide(count, limit, ttl, 'redis');
    } catch (err) {
      this.warn(`rate limits counted per instance while Redis is unreachable (${(err as Error).message})`);
      return this.hitLocal(bucket, limit, windowMs);
    }
  }

  async close(): Promise<void> {
    this.breaker.shutdown();
    this.redis.disconnect();
  }

  private hitLocal(bucket: string, limit: number, windowMs: number): RateDecision {
    const now = Date.now();
    let entry = this.local.get(bucket);
    if (!entry || entry.resetAt <= now) {
      if (this.local.size > 50_000) for (const [k, v] of this.local) if (v.resetAt <= now) this.local.delete(k);
      entry = { count: 0, resetAt: now + windowMs };
      this.local.set(bucket, entry);
    }
    entry.count += 1;
    return decide(entry.count, limit, entry.resetAt - now, 'local');
  }

  private warn(message: string): void {
    const now = Date.now();
    if (now - this.lastWarning < 10_000) return;
    this.lastWarning = now;
    this.logger.warn(message);
  }
}

function decide(count: number, limit: number, ttlMs: number, store: RateDecision['store']): RateDecision {
  return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetSeconds: Math.max(1, Math.ceil(ttlMs / 1000)), store };
}
