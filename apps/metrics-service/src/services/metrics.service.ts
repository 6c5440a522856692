import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { EventEnvelope, WalletUpdateData } from '@wozamali/contracts';
import { DataSource, type EntityManager } from 'typeorm';

interface CollectionRecordedData {
  user_id: string;
  total_grams: number;
  fund_amount: number;
  impact: { co2_avoided_g?: number };
}

const USER_UPSERT = `
  insert into user_metrics as m (user_id, date, points_earned, points_spent, money_earned, money_spent, collections, grams_collected, co2_avoided_g, wallet_events)
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
  on conflict (user_id, date) do update set
    points_earned = m.points_earned + excluded.points_earned, points_spent = m.points_spent + excluded.points_spent,
    money_earned = m.money_earned + excluded.money_earned, money_spent = m.money_spent + excluded.money_spent,
    collections = m.collections + excluded.collections, grams_collected = m.grams_collected + excluded.grams_collected,
    co2_avoided_g = m.co2_avoided_g + excluded.co2_avoided_g, wallet_events = m.wallet_events + excluded.wallet_events, updated_at = now()`;

const SYSTEM_UPSERT = `
  insert into system_metrics as m (date, points_earned, points_spent, money_earned, money_spent, collections, grams_collected, co2_avoided_g, fund_amount, wallet_events)
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
  on conflict (date) do update set
    points_earned = m.points_earned + excluded.points_earned, points_spent = m.points_spent + excluded.points_spent,
    money_earned = m.money_earned + excluded.money_earned, money_spent = m.money_spent + excluded.money_spent,
    collections = m.collections + excluded.collections, grams_collected = m.grams_collected + excluded.grams_collected,
    co2_avoided_g = m.co2_avoided_g + excluded.co2_avoided_g, fund_amount = m.fund_amount + excluded.fund_amount,
    wallet_events = m.wallet_events + excluded.wallet_events, updated_at = now()`;

/** Daily rollups. Every apply runs in the inbox transaction of the event, so it counts once. */
@Injectable()
export class MetricsService {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  private day(envelope: EventEnvelope): string {
    return envelope.occurred_at.slice(0, 10);
  }

  async applyWalletUpdate(tx: EntityManager, envelope: EventEnvelope<string, WalletUpdateData>): Promise<void> {
    const d = envelope.data;
    const row = [Math.max(d.points_change, 0), Math.max(-d.points_change, 0), Math.max(d.balance_change, 0), Math.max(-d.balance_change, 0), 0, 0, 0];
    await tx.query(USER_UPSERT, [d.user_id, this.day(envelope), ...row, 1]);
    await tx.query(SYSTEM_UPSERT, [this.day(envelope), ...row, 0, 1]);
  }

  async applyCollection(tx: EntityManager, envelope: EventEnvelope<string, CollectionRecordedData>): Promise<void> {
    const d = envelope.data;
    const co2 = Number.isSafeInteger(d.impact?.co2_avoided_g) ? d.impact.co2_avoided_g! : 0;
    await tx.query(USER_UPSERT, [d.user_id, this.day(envelope), 0, 0, 0, 0, 1, d.total_grams, co2, 0]);
    await tx.query(SYSTEM_UPSERT, [this.day(envelope), 0, 0, 0, 0, 1, d.total_grams, co2, d.fund_amount, 0]);
  }

  userMetrics(userId: string, from: string, to: string) {
    return this.ds.query(
      `select user_id, to_char(date, 'YYYY-MM-DD') as date, points_earned, points_spent, money_earned, money_spent, collections, grams_collected, co2_avoided_g, wallet_events
         from user_metrics where user_id = $1 and date between $2 and $3 order by date`,
      [userId, from, to],
    );
  }

  systemMetrics(from: string, to: string) {
    return this.ds.query(
      `select to_char(date, 'YYYY-MM-DD') as date, points_earned, points_spent, money_earned, money_spent, collections, grams_collected, co2_avoided_g, fund_amount, wallet_events
         from system_metrics where date between $1 and $2 order by date`,
      [from, to],
    );
  }
}
