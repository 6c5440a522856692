import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { planted } from '@wozamali/config';
import { uuidv7, type EventEnvelope } from '@wozamali/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import { MetricsServiceEnv } from '../config/env';
import { factOf, isFactEvent, type Fact } from '../domain/facts';
import { dayChange, systemChanges, type DayChange } from '../domain/rollup';
import { FactsRepository, type DayKey } from '../repositories/facts.repository';
import { ImpactFactorsRepository } from '../repositories/impact-factors.repository';

/**
 * Derivation, in the inbox transaction: each event becomes a fact (once, keyed by its id); every
 * (user, day) it touches is recomputed from its facts; the programme's days and the leaderboards
 * move by what those recomputations changed (nothing, for an event seen before).
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly facts: FactsRepository,
    private readonly impactFactors: ImpactFactorsRepository,
    @Inject(MetricsServiceEnv) private readonly env: MetricsServiceEnv,
  ) {}

  /** Refuses to start with a time zone PostgreSQL does not know (days are computed there). */
  async onModuleInit(): Promise<void> {
    try {
      await this.ds.query('select now() at time zone $1::text', [this.env.METRICS_TIME_ZONE]);
    } catch {
      throw new Error(`METRICS_TIME_ZONE=${this.env.METRICS_TIME_ZONE} is not a time zone PostgreSQL knows`);
    }
  }

  get timeZone(): string {
    return this.env.METRICS_TIME_ZONE;
  }

  /** Applies a batch of new events (one, on the one-by-one path); each affected row is recomputed once. */
  async apply(tx: EntityManager, envelopes: readonly EventEnvelope[]): Promise<void> {
    const relevant = envelopes.filter((e) => isFactEvent(e.type));
    if (relevant.length === 0) return;
    const versions = relevant.some((e) => e.type === 'collection_recorded') ? await this.impactFactors.all(tx) : [];
    let facts = relevant.map((e) => factOf(e, versions)).filter((f): f is Fact => f !== null);
    // CHAOS-ONLY PLANT (libs/config/src/plant.ts): no fact key either, so a redelivered event counts twice.
    if (planted('consumer-without-inbox')) facts = facts.map((f) => ({ ...f, event_id: uuidv7() }));
    const keys = await this.facts.record(tx, facts, this.env.METRICS_TIME_ZONE);
    await this.recompute(tx, keys);
  }

  private async recompute(tx: EntityManager, keys: readonly DayKey[]): Promise<void> {
    await this.facts.lockUsers(tx, [...new Set(keys.flatMap((k) => (k.user_id ? [k.user_id] : [])))]);
    const before = new Map((await this.facts.lockUserDays(tx, keys)).map((r) => [`${r.user_id} ${r.day}`, r]));
    const after = await this.facts.recomputeUserDays(tx, keys);
    const changes = after.map((r) => dayChange(before.get(`${r.user_id} ${r.day}`), r)).filter((c): c is DayChange => c !== null);
    if (changes.length === 0) return;
    // A day that now has a collection and had none may be a user's first.
    const firsts = await this.facts.firstCollections(
      tx,
      after.filter((r) => r.collections > 0 && !((before.get(`${r.user_id} ${r.day}`)?.collections ?? 0) > 0)),
    );
    const newUsers = new Map<string, number>();
    for (const m of firsts) {
      newUsers.set(m.to, (newUsers.get(m.to) ?? 0) + 1);
      if (m.from) newUsers.set(m.from, (newUsers.get(m.from) ?? 0) - 1);
    }
    await this.facts.moveLeaderboard(tx, changes);
    await this.facts.markPending(tx, changes);
    await this.facts.moveSystemDays(tx, systemChanges(changes, newUsers));
  }
}
