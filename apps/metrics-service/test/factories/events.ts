import { uuidv7, type EventEnvelope } from '@wozamali/contracts';
import type { KafkaMessage } from 'kafkajs';

/** Wallet events shaped as the wallet writes them (every contract field), for the metrics' inbox. */
function envelope(type: string, user: string, occurredAt: Date, data: Record<string, unknown>): EventEnvelope {
  return { id: uuidv7(), type, version: 1, source: 'wallet-service', occurred_at: occurredAt.toISOString(), subject: user, correlation_id: 'metrics-test', data };
}

export function walletUpdate(user: string, o: { points?: number; money?: number; kind?: string; at: Date }): EventEnvelope {
  return envelope('wallet_update', user, o.at, {
    user_id: user, wallet_id: uuidv7(), transfer_id: uuidv7(), kind: o.kind ?? 'earn', currency: 'ZAR', balance_change: o.money ?? 0,
    points_change: o.points ?? 0, description: 'test', new_balance: Math.max(o.money ?? 0, 0), new_points: Math.max(o.points ?? 0, 0),
  });
}

export function pointsUpdate(user: string, o: { points: number; at: Date }): EventEnvelope {
  return envelope('points_update', user, o.at, {
    user_id: user, transfer_id: uuidv7(), kind: 'earn', points_change: o.points, new_points: o.points, lifetime_points: o.points, reason: 'test',
  });
}

export function collectionRecorded(user: string, o: { collectedAt: Date; lines: { material: string; grams: number }[]; fund?: number; recordedAt?: Date }): EventEnvelope {
  const total = o.lines.reduce((s, l) => s + l.grams, 0);
  return envelope('collection_recorded', user, o.recordedAt ?? new Date(), {
    collection_id: uuidv7(), user_id: user, collector_id: null, transfer_id: uuidv7(), collected_at: o.collectedAt.toISOString(), rate_card_version: 1,
    points: Math.round(total / 100), amount: total, fund_amount: o.fund ?? 0, currency: 'ZAR', total_grams: total,
    materials: o.lines.map((l) => ({ ...l, kg: (l.grams / 1000).toFixed(3), name: l.material })), impact: { co2_avoided_g: 0, water_saved_ml: 0 },
  });
}

/** A Kafka message carrying the event, as the inbox receives it. */
export function asMessage(e: EventEnvelope, headers: Record<string, string> = {}): { topic: string; partition: number; message: KafkaMessage } {
  return {
    topic: 'wozamali.wallet.events', partition: 0,
    message: { key: Buffer.from(e.subject ?? ''), value: Buffer.from(JSON.stringify(e)), offset: '0', timestamp: '0', attributes: 0, headers },
  };
}

/** A random local day (10:00 UTC) of some months of a year, so tests sharing a database don't share days. */
export function randomDayIn(year: number, firstMonth = 0, months = 12): Date {
  const start = Date.UTC(year, firstMonth, 1, 10);
  return new Date(start + Math.floor(Math.random() * (months * 30 - 5)) * 86_400_000);
}

export const dayOf = (d: Date) => d.toISOString().slice(0, 10);
