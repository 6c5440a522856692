import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Settings that are data (DOMAIN.md): failed validations per key and minute, the rollback window, reminder days. */
export interface RewardSettings {
  code_failures_per_minute: number;
  use_rollback_hours: number;
  expiry_reminder_days: number[];
}

const DEFAULTS: RewardSettings = { code_failures_per_minute: 10, use_rollback_hours: 24, expiry_reminder_days: [7, 1] };

@Injectable()
export class SettingsRepository {
  constructor(private readonly ds: DataSource) {}

  async get(): Promise<RewardSettings> {
    const rows = (await this.ds.query('select key, value from reward_settings')) as { key: keyof RewardSettings; value: never }[];
    const s: RewardSettings = { ...DEFAULTS };
    for (const r of rows) if (r.key in s) s[r.key] = r.value;
    return s;
  }
}
