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
    topic: topicOf(e), partition: 0,
    message: { key: Buffer.from(e.subject ?? ''), value: Buffer.from(JSON.stringify(e)), offset: '0', timestamp: '0', attributes: 0, headers },
  };
}

/** A random local day (10:00 UTC) of some months of a year, so tests sharing a database don't share days. */
export function randomDayIn(year: number, firstMonth = 0, months = 12): Date {
  const start = Date.UTC(year, firstMonth, 1, 10);
  return new Date(start + Math.floor(Math.random() * (months * 30 - 5)) * 86_400_000);
}

export const dayOf = (d: Date) => d.toISOString().slice(0, 10);

/** An event of another domain, every contract field filled (the factories below), on its own topic. */
function domainEnvelope(type: string, source: string, subject: string | null, occurredAt: Date, data: Record<string, unknown>): EventEnvelope {
  return { id: uuidv7(), type, version: 1, source, occurred_at: occurredAt.toISOString(), subject, correlation_id: 'metrics-test', data };
}

/** A reward issued to a resident: by a redemption (counts as redeemed) unless `source` says otherwise. */
export function rewardIssue(user: string, o: { at: Date; source?: 'redemption' | 'badge' | 'admin'; points?: number; recordedAt?: Date }): EventEnvelope {
  const source = o.source ?? 'redemption';
  return domainEnvelope('reward_issue', 'rewards-service', user, o.recordedAt ?? o.at, {
    user_id: user, user_reward_id: uuidv7(), reward_id: uuidv7(), reward_code: source === 'badge' ? 'BADGE_SILVER' : 'VOUCHER_50',
    reward_type: source === 'badge' ? 'badge' : 'discount', partner_service_id: null, reward_name: 'R50 voucher', source,
    redemption_id: source === 'redemption' ? uuidv7() : null, transfer_id: source === 'redemption' ? uuidv7() : null, points_cost: o.points ?? 600,
    value: 5000, currency: 'ZAR', issued_at: o.at.toISOString(), expires_at: source === 'badge' ? null : new Date(o.at.getTime() + 30 * 86_400_000).toISOString(),
  });
}

/** An admin cancelled an unused reward (`source`: how it was issued; a redemption by default). */
export function rewardCancelled(user: string, o: { at: Date; source?: 'redemption' | 'badge' | 'admin'; refunded?: number }): EventEnvelope {
  const source = o.source ?? 'redemption';
  return domainEnvelope('reward_cancelled', 'rewards-service', user, o.at, {
    user_id: user, user_reward_id: uuidv7(), reward_id: uuidv7(), reward_code: source === 'badge' ? 'BADGE_SILVER' : 'VOUCHER_50',
    reward_type: source === 'badge' ? 'badge' : 'discount', partner_service_id: null, source, reason: 'issued in error', cancelled_by: uuidv7(),
    refunded_points: o.refunded ?? 0, refund_transfer_id: o.refunded ? uuidv7() : null, stock_restored: source === 'redemption', cancelled_at: o.at.toISOString(),
  });
}

/** A donation (anonymous: `user_id` null in data, the donor only in the envelope's subject). */
export function donationCreate(user: string, o: { at: Date; amount?: number; points?: number; campaignId?: string; anonymous?: boolean; donationId?: string; recordedAt?: Date }): EventEnvelope {
  return domainEnvelope('donation_create', 'donations-service', user, o.recordedAt ?? o.at, {
    donation_id: o.donationId ?? uuidv7(), campaign_id: o.campaignId ?? uuidv7(), user_id: o.anonymous ? null : user, donor_ref: `donor-${user.slice(-8)}`,
    visibility: o.anonymous ? 'anonymous' : 'public', amount: o.amount ?? 0, currency: 'ZAR', points: o.points ?? 0,
    bonus_points: Math.floor((o.amount ?? 0) / 100), transfer_id: uuidv7(), receipt_number: (o.amount ?? 0) > 0 ? 'WM-2026-000001' : null, donated_at: o.at.toISOString(),
  });
}

export function donationRefunded(user: string, o: { at: Date; amount?: number; points?: number; campaignId?: string; donationId?: string }): EventEnvelope {
  return domainEnvelope('donation_refunded', 'donations-service', user, o.at, {
    donation_id: o.donationId ?? uuidv7(), campaign_id: o.campaignId ?? uuidv7(), user_id: user, donor_ref: `donor-${user.slice(-8)}`, amount: o.amount ?? 0,
    currency: 'ZAR', points: o.points ?? 0, bonus_points_reclaimed: 0, bonus_points_shortfall: 0, refund_transfer_id: uuidv7(),
    receipt_number: null, reason: 'test refund', refunded_at: o.at.toISOString(),
  });
}

export function withdrawalUpdate(user: string, o: { at: Date; amount: number; from: string; to: string; withdrawalId?: string }): EventEnvelope {
  return domainEnvelope('withdrawal_update', 'withdrawals-service', user, o.at, {
    withdrawal_id: o.withdrawalId ?? uuidv7(), user_id: user, from: o.from, to: o.to, amount: o.amount, currency: 'ZAR', method: 'bank_transfer',
    actor: 'system', reason: null, transfer_id: uuidv7(), changed_at: o.at.toISOString(),
  });
}

/** The topic each factory's events travel on. */
export function topicOf(e: EventEnvelope): string {
  if (e.type.startsWith('reward_')) return 'wozamali.rewards.events';
  if (e.type.startsWith('donation_')) return 'wozamali.donations.events';
  if (e.type.startsWith('withdrawal_')) return 'wozamali.withdrawals.events';
  return 'wozamali.wallet.events';
}
