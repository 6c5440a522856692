import { Injectable, Logger } from '@nestjs/common';
import type { TokenPrincipal } from '@wozamali/platform';
import { DataSource } from 'typeorm';
import { actorOf } from '../domain/principal';

/** Settings that are data (DOMAIN.md): failed validations per key and minute, the rollback window, reminder days. */
export interface RewardSettings {
  code_failures_per_minute: number;
  use_rollback_hours: number;
  expiry_reminder_days: number[];
}

const DEFAULTS: RewardSettings = { code_failures_per_minute: 10, use_rollback_hours: 24, expiry_reminder_days: [7, 1] };

@Injectable()
export class SettingsRepository {
  private readonly logger = new Logger('RewardSettings');

  constructor(private readonly ds: DataSource) {}

  async get(): Promise<RewardSettings> {
    const rows = (await this.ds.query('select key, value from reward_settings')) as { key: keyof RewardSettings; value: never }[];
    const s: RewardSettings = { ...DEFAULTS };
    for (const r of rows) if (r.key in s) s[r.key] = r.value;
    return s;
  }

  /** Replaces every setting in one statement (validated by the caller's DTO); answers them as stored. */
  async put(s: RewardSettings, principal: TokenPrincipal | null): Promise<RewardSettings> {
    const keys = Object.keys(DEFAULTS) as (keyof RewardSettings)[];
    await this.ds.query(
      `insert into reward_settings (key, value) select k, v from unnest($1::text[], $2::jsonb[]) as x(k, v)
       on conflict (key) do update set value = excluded.value, updated_at = now()`,
      [keys, keys.map((k) => JSON.stringify(s[k]))],
    );
    this.logger.log(`settings changed by ${actorOf(principal)}: ${JSON.stringify(s)}`);
    return this.get();
  }
}
