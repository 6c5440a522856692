import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { PutRateCardDto, PutTiersDto } from '../dtos/wallet.dto';
import { WalletException } from '../errors/wallet.exception';

export interface Tier {
  code: string;
  name: string;
  min_lifetime_points: number;
  multiplier_bp: number;
}

export interface TierStanding {
  tier: string;
  next_tier: string | null;
  points_to_next_tier: number | null;
  multiplier_bp: number;
}

export interface RateCardLine {
  code: string;
  name: string;
  cents_per_kg: number;
  points_per_kg: number;
  fund_share_bp: number;
  co2_g_per_kg: number;
  water_ml_per_kg: number;
}

export interface RateCard {
  version: number;
  effective_from: string;
  materials: RateCardLine[];
}

const TIER_TTL_MS = 2000;

/** Tiers and rate cards: data an admin changes through the API, never constants in code. */
@Injectable()
export class CatalogService {
  private tiers: { at: number; list: Tier[] } | null = null;

  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async listTiers(): Promise<Tier[]> {
    if (this.tiers && Date.now() - this.tiers.at < TIER_TTL_MS) return this.tiers.list;
    const list = await this.ds.query<Tier[]>('select code, name, min_lifetime_points, multiplier_bp from tiers order by min_lifetime_points');
    this.tiers = { at: Date.now(), list };
    return list;
  }

  async tiersView(): Promise<{ tiers: Tier[] }> {
    return { tiers: await this.listTiers() };
  }

  async replaceTiersView(dto: PutTiersDto): Promise<{ tiers: Tier[] }> {
    return { tiers: await this.replaceTiers(dto) };
  }

  /** Where lifetime points put a user: tier, next tier and the points still needed. */
  standing(tiers: Tier[], lifetimePoints: number): TierStanding {
    let index = 0;
    tiers.forEach((t, i) => {
      if (t.min_lifetime_points <= lifetimePoints) index = i;
    });
    const current = tiers[index]!;
    const next = tiers[index + 1] ?? null;
    return {
      tier: current.code,
      next_tier: next?.code ?? null,
      points_to_next_tier: next ? next.min_lifetime_points - lifetimePoints : null,
      multiplier_bp: current.multiplier_bp,
    };
  }

  async replaceTiers(dto: PutTiersDto): Promise<Tier[]> {
    const sorted = [...dto.tiers].sort((a, b) => a.min_lifetime_points - b.min_lifetime_points);
    const problems: string[] = [];
    if (sorted[0]?.min_lifetime_points !== 0) problems.push('the lowest tier must start at 0 lifetime points');
    if (new Set(sorted.map((t) => t.code)).size !== sorted.length) problems.push('tier codes must be unique');
    if (new Set(sorted.map((t) => t.min_lifetime_points)).size !== sorted.length) problems.push('thresholds must be unique');
    if (problems.length) throw new WalletException('invalid_tiers', problems.join('; '));
    await this.ds.transaction(async (tx) => {
      await tx.query('delete from tiers');
      for (const t of sorted) {
        await tx.query('insert into tiers (code, name, min_lifetime_points, multiplier_bp) values ($1, $2, $3, $4)', [t.code, t.name, t.min_lifetime_points, t.multiplier_bp]);
      }
    });
    this.tiers = null;
    return this.listTiers();
  }

  async rateCardInForce(): Promise<RateCard> {
    const card = await this.rateCardAt(new Date());
    if (!card) throw new WalletException('no_rate_card', 'no rate card is in force');
    return card;
  }

  /** The rate card in force at `at` (the newest version whose effective_from is not after it). */
  async rateCardAt(at: Date): Promise<RateCard | null> {
    const rows = await this.ds.query<(RateCardLine & { version: number; effective_from: Date })[]>(
      `select c.version, c.effective_from, l.material as code, l.name, l.cents_per_kg, l.points_per_kg, l.fund_share_bp,
              m.co2_g_per_kg, m.water_ml_per_kg
         from rate_cards c join rate_card_lines l on l.version = c.version join materials m on m.code = l.material
        where c.version = (select version from rate_cards where effective_from <= $1 order by effective_from desc limit 1)
        order by l.material`,
      [at],
    );
    if (rows.length === 0) return null;
    return {
      version: rows[0]!.version,
      effective_from: rows[0]!.effective_from.toISOString(),
      materials: rows.map(({ version: _v, effective_from: _e, ...line }) => line),
    };
  }

  /** Adds a rate card version taking effect at `effective_from` (default now); earlier collections keep theirs. */
  async putRateCard(dto: PutRateCardDto, actor: string): Promise<RateCard> {
    const from = dto.effective_from ? new Date(dto.effective_from) : new Date();
    if (from.getTime() < Date.now() - 60_000) throw new WalletException('invalid_rate_card', 'effective_from may not be in the past');
    const codes = dto.materials.map((m) => m.code);
    if (new Set(codes).size !== codes.length) throw new WalletException('invalid_rate_card', 'each material may appear once');
    const version = await this.ds.transaction(async (tx) => {
      await tx.query('lock table rate_cards in exclusive mode');
      const [{ next }] = (await tx.query('select coalesce(max(version), 0) + 1 as next from rate_cards')) as { next: number }[];
      const clash = (await tx.query('select 1 from rate_cards where effective_from = $1', [from])) as unknown[];
      if (clash.length) throw new WalletException('invalid_rate_card', 'a rate card already takes effect at that time');
      await tx.query('insert into rate_cards (version, effective_from, created_by) values ($1, $2, $3)', [next, from, actor]);
      for (const m of dto.materials) {
        // A new material gets the "others" environmental impact from DOMAIN.md until an admin says more.
        await tx.query(
          `insert into materials (code, name, co2_g_per_kg, water_ml_per_kg) values ($1, $2, 500, 10000) on conflict (code) do nothing`,
          [m.code, m.name ?? m.code],
        );
        await tx.query(
          `insert into rate_card_lines (version, material, name, cents_per_kg, points_per_kg, fund_share_bp)
           select $1, $2, coalesce($3, name), $4, $5, $6 from materials where code = $2`,
          [next, m.code, m.name ?? null, m.cents_per_kg, m.points_per_kg, m.fund_share_bp ?? 0],
        );
      }
      return next;
    });
    const card = await this.ds.query<{ effective_from: Date }[]>('select effective_from from rate_cards where version = $1', [version]);
    const loaded = await this.rateCardAt(card[0]!.effective_from);
    return loaded!;
  }
}
