import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { ImpactFactorVersion, MaterialFactors } from '../domain/impact';

interface VersionRow {
  version: number;
  effective_from: Date;
  source: string;
  others_co2_g_per_kg: number;
  others_water_ml_per_kg: number;
  materials: Record<string, MaterialFactors> | null;
}

const SELECT_VERSIONS = `
  select v.version, v.effective_from, v.source, v.others_co2_g_per_kg, v.others_water_ml_per_kg,
         (select jsonb_object_agg(f.material, jsonb_build_object('co2_g_per_kg', f.co2_g_per_kg, 'water_ml_per_kg', f.water_ml_per_kg))
            from impact_factors f where f.version = v.version) as materials
    from impact_factor_versions v`;

function toVersion(r: VersionRow): ImpactFactorVersion {
  return {
    version: r.version, effective_from: r.effective_from.toISOString(), source: r.source,
    others: { co2_g_per_kg: Number(r.others_co2_g_per_kg), water_ml_per_kg: Number(r.others_water_ml_per_kg) },
    materials: r.materials ?? {},
  };
}

/** Versioned impact factors (like the rate card): a version applies from its effective_from until the next. */
@Injectable()
export class ImpactFactorsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Every version, oldest first. */
  async all(tx?: EntityManager): Promise<ImpactFactorVersion[]> {
    const rows = (await (tx ?? this.ds).query(`${SELECT_VERSIONS} order by v.effective_from`)) as VersionRow[];
    return rows.map(toVersion);
  }

  /** The versions in force at some moment of the local days from..to. */
  async inForceBetween(from: string, to: string, timeZone: string): Promise<ImpactFactorVersion[]> {
    const rows = (await this.ds.query(
      `${SELECT_VERSIONS}
        where v.effective_from < (($2::date + 1)::timestamp at time zone $3::text)
          and coalesce((select min(n.effective_from) from impact_factor_versions n where n.effective_from > v.effective_from), 'infinity')
              > ($1::date::timestamp at time zone $3::text)
        order by v.effective_from`,
      [from, to, timeZone],
    )) as VersionRow[];
    return rows.map(toVersion);
  }

  /** Adds a version; `null` when one already takes effect at that time. Versions are numbered in order. */
  add(effectiveFrom: Date, source: string, others: MaterialFactors, materials: Record<string, MaterialFactors>, actor: string): Promise<number | null> {
    return this.ds.transaction(async (tx) => {
      await tx.query('lock table impact_factor_versions in exclusive mode');
      const clash = (await tx.query('select 1 from impact_factor_versions where effective_from = $1', [effectiveFrom])) as unknown[];
      if (clash.length > 0) return null;
      const [{ next }] = (await tx.query('select coalesce(max(version), 0) + 1 as next from impact_factor_versions')) as { next: number }[];
      await tx.query(
        `insert into impact_factor_versions (version, effective_from, source, others_co2_g_per_kg, others_water_ml_per_kg, created_by) values ($1, $2, $3, $4, $5, $6)`,
        [next, effectiveFrom, source, others.co2_g_per_kg, others.water_ml_per_kg, actor],
      );
      const entries = Object.entries(materials);
      if (entries.length > 0) {
        await tx.query(
          `insert into impact_factors (version, material, co2_g_per_kg, water_ml_per_kg)
           select $1, m, c, w from unnest($2::text[], $3::bigint[], $4::bigint[]) as t(m, c, w)`,
          [next, entries.map(([m]) => m), entries.map(([, f]) => f.co2_g_per_kg), entries.map(([, f]) => f.water_ml_per_kg)],
        );
      }
      return next;
    });
  }
}
