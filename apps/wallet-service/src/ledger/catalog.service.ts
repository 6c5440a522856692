import { Injectable } from '@nestjs/common';
import type { PutRateCardDto, PutTiersDto } from '../dtos/wallet.dto';
import { WalletException } from '../errors/wallet.exception';
import { CatalogRepository } from './catalog.repository';

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

  constructor(private readonly repo: CatalogRepository) {}

  async listTiers(): Promise<Tier[]> {
    if (this.tiers && Date.now() - this.tiers.at < TIER_TTL_MS) return this.tiers.list;
    const list = await this.repo.listTiersByThreshold();
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
    await this.repo.replaceTiers(sorted);
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
    const rows = await this.repo.findRateCardLinesAt(at);
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
    const version = await this.repo.insertRateCard(from, actor, dto.materials.map((m) => ({
      code: m.code, name: m.name ?? null, cents_per_kg: m.cents_per_kg, points_per_kg: m.points_per_kg, fund_share_bp: m.fund_share_bp ?? 0,
    })));
    if (version === null) throw new WalletException('invalid_rate_card', 'a rate card already takes effect at that time');
    const loaded = await this.rateCardAt(await this.repo.findRateCardEffectiveFrom(version));
    return loaded!;
  }
}
