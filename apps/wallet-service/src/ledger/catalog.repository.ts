import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { RateCardLine, Tier } from './catalog.service';

export interface NewRateCardLine {
  code: string;
  name: string | null;
  cents_per_kg: number;
  points_per_kg: number;
  fund_share_bp: number;
}

/** Tiers, materials and rate cards in the database. */
@Injectable()
export class CatalogRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  listTiersByThreshold(): Promise<Tier[]> {
    return this.ds.query<Tier[]>('select code, name, min_lifetime_points, multiplier_bp from tiers order by min_lifetime_points');
  }

  /** Replaces every tier in one transaction. */
  async replaceTiers(tiers: Tier[]): Promise<void> {
    await this.ds.transaction(async (tx) => {
      await tx.query('delete from tiers');
      for (const t of tiers) {
        await tx.query('insert into tiers (code, name, min_lifetime_points, multiplier_bp) values ($1, $2, $3, $4)', [t.code, t.name, t.min_lifetime_points, t.multiplier_bp]);
      }
    });
  }

  /** The lines of the newest rate card whose effective_from is not after `at` (none when no card is in force). */
  findRateCardLinesAt(at: Date): Promise<(RateCardLine & { version: number; effective_from: Date })[]> {
    return this.ds.query(
      `select c.version, c.effective_from, l.material as code, l.name, l.cents_per_kg, l.points_per_kg, l.fund_share_bp,
              m.co2_g_per_kg, m.water_ml_per_kg
         from rate_cards c join rate_card_lines l on l.version = c.version join materials m on m.code = l.material
        where c.version = (select version from rate_cards where effective_from <= $1 order by effective_from desc limit 1)
        order by l.material`,
      [at],
    );
  }

  /**
   * Adds the next rate card version (serialised by a table lock), creating unknown materials with the
   * "others" impact of DOMAIN.md. Null when a card already takes effect at that time.
   */
  async insertRateCard(from: Date, actor: string, lines: NewRateCardLine[]): Promise<number | null> {
    return this.ds.transaction(async (tx) => {
      await tx.query('lock table rate_cards in exclusive mode');
      const [{ next }] = (await tx.query('select coalesce(max(version), 0) + 1 as next from rate_cards')) as { next: number }[];
      const clash = (await tx.query('select 1 from rate_cards where effective_from = $1', [from])) as unknown[];
      if (clash.length) return null;
      await tx.query('insert into rate_cards (version, effective_from, created_by) values ($1, $2, $3)', [next, from, actor]);
      for (const m of lines) {
        await tx.query(`insert into materials (code, name, co2_g_per_kg, water_ml_per_kg) values ($1, $2, 500, 10000) on conflict (code) do nothing`, [m.code, m.name ?? m.code]);
        await tx.query(
          `insert into rate_card_lines (version, material, name, cents_per_kg, points_per_kg, fund_share_bp)
           select $1, $2, coalesce($3, name), $4, $5, $6 from materials where code = $2`,
          [next, m.code, m.name, m.cents_per_kg, m.points_per_kg, m.fund_share_bp],
        );
      }
      return next;
    });
  }

  async findRateCardEffectiveFrom(version: number): Promise<Date> {
    const rows = await this.ds.query<{ effective_from: Date }[]>('select effective_from from rate_cards where version = $1', [version]);
    return rows[0]!.effective_from;
  }
}
