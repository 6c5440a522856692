import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  ALL_PERMISSIONS, dummyVerify, generateApiKey, hashApiKeySecret, isSubset, parseApiKey, validatePermissions, verifyApiKeySecret,
  type Principal, type ServicePrincipal,
} from '@wozamali/auth';
import { afterCommit, decodeCursor, DEFAULT_PAGE_SIZE, DomainException, pageOf, SERVICE_ENV, type Page, type PageQueryDto } from '@wozamali/platform';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
import type { EntityManager } from 'typeorm';
import type { ApiGatewayEnv } from '../config/env';
import type { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto, RotateApiKeyDto } from '../dtos/api-key.dto';
import { GatewayException } from '../errors/gateway.exception';
import { ApiKeyRepository, type ApiKeyRecord } from '../repositories/api-key.repository';

/**
 * API keys: creation (shown once), listing, revocation, rotation, the bootstrap admin key, and the
 * per-request check. Verified keys are kept in memory for API_KEY_CACHE_TTL_MS so a request does not
 * cost a query; a revocation is immediate on the instance that made it and reaches the others within
 * that TTL. Last use is written in batches.
 */
@Injectable()
export class ApiKeyService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ApiKeys');
  private readonly cache = new Map<string, { record: ApiKeyRecord; until: number }>();
  private lastUses = new Map<string, Date>();
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly keys: ApiKeyRepository,
    @Inject(SERVICE_ENV) private readonly env: ApiGatewayEnv,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const parsed = parseApiKey(this.env.ADMIN_API_KEY);
    if (!parsed) throw new Error('ADMIN_API_KEY is not a wm_live_<public id>_<secret> key');
    await this.keys.ensureBootstrap(parsed.publicId, hashApiKeySecret(parsed.publicId, parsed.secret), this.env.ADMIN_SERVICE_ID);
    this.logger.log(`bootstrap admin key wm_live_${parsed.publicId}_… is live for X-Service-ID ${this.env.ADMIN_SERVICE_ID}`);
    this.flushTimer = setInterval(() => void this.flushLastUses(), this.env.API_KEY_LAST_USED_FLUSH_MS);
    this.flushTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.flushLastUses();
  }

  /** Authenticates `Bearer wm_live_…` + `X-Service-ID`; throws the 401. */
  async authenticate(token: string, serviceId: string | undefined): Promise<ServicePrincipal> {
    const parsed = parseApiKey(token);
    if (!parsed) throw new GatewayException('invalid_credentials', 'the API key is not valid');
    const record = await this.lookup(parsed.publicId);
    if (!record) {
      dummyVerify(parsed.secret);
      throw new GatewayException('invalid_credentials', 'the API key is not valid');
    }
    if (!verifyApiKeySecret(parsed.publicId, parsed.secret, record.secret_hash)) throw new GatewayException('invalid_credentials', 'the API key is not valid');
    // Only the key's holder gets this far, so saying why it no longer works leaks nothing.
    if (record.revoked_at) throw new GatewayException('api_key_revoked', 'this API key has been revoked');
    if (record.expires_at && record.expires_at.getTime() <= Date.now()) throw new GatewayException('api_key_expired', 'this API key has expired');
    if (!serviceId) throw new GatewayException('service_id_required', 'send X-Service-ID with an API key');
    if (serviceId !== record.service_id) throw new GatewayException('service_id_mismatch', 'X-Service-ID is not the service this key was issued to');
    this.lastUses.set(record.public_id, new Date());
    return {
      type: 'service', keyId: record.id, publicId: record.public_id, serviceId: record.service_id,
      permissions: record.permissions, rateLimitPerMinute: record.rate_limit_per_minute,
    };
  }

  async create(m: EntityManager, dto: CreateApiKeyDto, by: Principal): Promise<CreatedApiKeyDto> {
    const problems = validatePermissions(dto.permissions);
    if (problems.length) throw invalid('permissions', problems);
    if (by.type === 'service' && !isSubset(dto.permissions, by.permissions)) throw new GatewayException('forbidden', 'a key can only grant permissions its creator holds');
    const expiresAt = dto.expires_at ? new Date(dto.expires_at) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) throw invalid('expires_at', ['must be in the future']);
    const fresh = generateApiKey();
    const record = await this.keys.insert(m, {
      publicId: fresh.publicId, secretHash: fresh.hash, name: dto.name, serviceId: dto.service_id, permissions: dto.permissions,
      rateLimitPerMinute: dto.rate_limit_per_minute ?? null, expiresAt, createdBy: creatorOf(by),
    });
    return { ...toDto(record), key: fresh.token };
  }

  async list(q: PageQueryDto): Promise<Page<ApiKeyDto>> {
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const after = decodeCursor(q.cursor, 2, ([at, id]) => !Number.isNaN(Date.parse(at!)) && UUID.test(id!));
    return pageOf(await this.keys.listNewestFirst(limit + 1, after), limit, toDto, (k) => [k.cursor_at, k.id]);
  }

  async revoke(m: EntityManager, id: string): Promise<ApiKeyDto> {
    const key = await this.keys.lockById(m, id);
    if (!key) throw new GatewayException('not_found', 'no such API key');
    if (key.bootstrap) throw new GatewayException('bootstrap_key_immutable', 'the bootstrap key changes only with ADMIN_API_KEY');
    const record = await this.keys.revoke(m, id);
    // Evicted after commit: a request in between would otherwise cache the key as still live.
    afterCommit(m, () => this.cache.delete(record.public_id));
    return toDto(record);
  }

  /** Issues a new key with the same name, service, permissions, limit and expiry; the old one is revoked (or expires after the grace period). */
  async rotate(m: EntityManager, id: string, dto: RotateApiKeyDto, by: Principal): Promise<CreatedApiKeyDto> {
    const fresh = generateApiKey();
    const key = await this.keys.lockById(m, id);
    if (!key) throw new GatewayException('not_found', 'no such API key');
    if (key.bootstrap) throw new GatewayException('bootstrap_key_immutable', 'the bootstrap key changes only with ADMIN_API_KEY');
    if (statusOf(key) !== 'active') throw new GatewayException('api_key_not_active', 'only an active key can be rotated');
    if (by.type === 'service' && !isSubset(key.permissions, by.permissions)) throw new GatewayException('forbidden', 'a key can only grant permissions its creator holds');
    const created = await this.keys.insert(m, {
      publicId: fresh.publicId, secretHash: fresh.hash, name: key.name, serviceId: key.service_id, permissions: key.permissions,
      rateLimitPerMinute: key.rate_limit_per_minute, expiresAt: key.expires_at, createdBy: creatorOf(by), rotatedFrom: key.id,
    });
    const grace = dto.grace_period_seconds ?? 0;
    const old = grace > 0 ? await this.keys.expireAt(m, key.id, new Date(Date.now() + grace * 1000)) : await this.keys.revoke(m, key.id);
    afterCommit(m, () => this.cache.delete(old.public_id));
    return { ...toDto(created), key: fresh.token };
  }

  /** Writes the batched last-use times (also on shutdown). */
  async flushLastUses(): Promise<void> {
    if (this.lastUses.size === 0) return;
    const batch = this.lastUses;
    this.lastUses = new Map();
    try {
      await this.keys.recordLastUses(batch);
    } catch (err) {
      this.logger.warn(`could not record last use of ${batch.size} keys: ${(err as Error).message}`);
      for (const [k, v] of batch) if (!this.lastUses.has(k)) this.lastUses.set(k, v);
    }
  }

  private async lookup(publicId: string): Promise<ApiKeyRecord | null> {
    const ttl = this.env.API_KEY_CACHE_TTL_MS;
    const hit = this.cache.get(publicId);
    if (hit && hit.until > Date.now()) return hit.record;
    const record = await this.keys.findByPublicId(publicId);
    if (record && ttl > 0) {
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(publicId, { record, until: Date.now() + ttl });
    }
    return record;
  }
}

function invalid(field: string, messages: string[]): DomainException {
  return new DomainException('validation_failed', 400, `${field}: ${messages.join('; ')}`, {}, [{ field, messages }]);
}

function creatorOf(p: Principal): string {
  return p.type === 'service' ? `service:${p.serviceId}:${p.publicId}` : `user:${p.userId}`;
}

function statusOf(r: ApiKeyRecord): ApiKeyDto['status'] {
  if (r.revoked_at) return 'revoked';
  if (r.expires_at && r.expires_at.getTime() <= Date.now()) return 'expired';
  return 'active';
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}

export function toDto(r: ApiKeyRecord): ApiKeyDto {
  return {
    id: r.id, public_id: r.public_id, name: r.name, service_id: r.service_id,
    permissions: r.bootstrap ? { ...ALL_PERMISSIONS } : r.permissions, rate_limit_per_minute: r.rate_limit_per_minute,
    status: statusOf(r), bootstrap: r.bootstrap, created_by: r.created_by, rotated_from: r.rotated_from,
    created_at: r.created_at.toISOString(), expires_at: iso(r.expires_at), revoked_at: iso(r.revoked_at), last_used_at: iso(r.last_used_at),
  };
}
