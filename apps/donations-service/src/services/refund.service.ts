import { Injectable } from '@nestjs/common';
import type { DonationRefundedData, WalletMultiLegTransferRequest, WalletProblemCode, WalletTransferLeg } from '@wozamali/contracts';
import type { OutboxTransaction } from '@wozamali/messaging';
import { WalletClient } from '@wozamali/wallet-client';
import type { EntityManager } from 'typeorm';
import { DonationException } from '../errors/donation.exception';
import { DonationRepository, type Donation } from '../repositories/donation.repository';
import { RefundAttemptRepository, type RefundAttempt } from '../repositories/refund-attempt.repository';
import { donationView } from './views';

type Emit = OutboxTransaction['emit'];

/** What the wallet did for a refund: the transfer, and the bonus points taken back and not. */
interface Refunded {
  transferId: string;
  reclaimed: number;
  shortfall: number;
}

/**
 * Refunds: a donation's transfer undone once. First the wallet's reversal (every leg, the bonus
 * included); if the donor has since spent the bonus the reversal is refused as a whole, so the
 * refund becomes one multi-leg transfer giving the money and points back and taking back as much
 * of the bonus as the wallet accepts (tries going down; each is a new key and body, and a refused
 * try wrote nothing). Every try is recorded and committed before it is sent, and a retry
 * resends a try whose outcome is unknown before making any other: one refund, never two.
 */
@Injectable()
export class RefundService {
  constructor(private readonly donations: DonationRepository, private readonly attempts: RefundAttemptRepository, private readonly wallet: WalletClient) {}

  /** Refunds a donation in transaction `m` (the caller holds the donation's lock): wallet, row, receipt voided, `donation_refunded`. */
  async refund(m: EntityManager, emit: Emit, d: Donation, reason: string, by: string): Promise<ReturnType<typeof donationView>> {
    if (d.status !== 'accepted') throw new DonationException('donation_not_refundable', `a ${d.status} donation cannot be refunded`);
    const done = await this.walletRefund(d, reason);
    const at = new Date();
    const saved = await this.donations.markRefunded(m, d.id, { reason, by, transferId: done.transferId, reclaimed: done.reclaimed, shortfall: done.shortfall, at });
    await this.donations.voidReceipt(m, d.id, `refunded: ${reason}`, at);
    const anonymous = d.visibility === 'anonymous';
    const data: DonationRefundedData = {
      donation_id: d.id, campaign_id: d.campaign_id, user_id: anonymous ? null : d.user_id, donor_ref: d.donor_ref, visibility: d.visibility, amount: d.amount, currency: 'ZAR',
      points: d.points, bonus_points_reclaimed: done.reclaimed, bonus_points_shortfall: done.shortfall, refund_transfer_id: anonymous ? null : done.transferId,
      receipt_number: d.receipt_number, reason, refunded_at: at.toISOString(),
    };
    await emit({ type: 'donation_refunded', data, subject: anonymous ? null : d.user_id });
    return donationView(saved);
  }

  private async walletRefund(d: Donation, reason: string): Promise<Refunded> {
    const past = await this.attempts.list(d.id);
    const applied = past.find((a) => a.status === 'applied');
    if (applied) return this.outcome(d, applied, applied.transfer_id!);
    let seq = past.length;
    // A try whose answer was lost is asked again first, with its own key and body.
    for (const a of past.filter((p) => p.status === 'sent')) {
      const out = await this.send(d, a);
      if (out) return out;
    }
    const tried = new Map(past.map((a) => [`${a.kind}:${a.clawback}`, a]));
    const tryOnce = async (kind: 'reverse' | 'transfer', clawback: number): Promise<Refunded | WalletProblemCode> => {
      const known = tried.get(`${kind}:${clawback}`);
      if (known && known.status === 'refused') return known.code as WalletProblemCode;
      const attempt: RefundAttempt = { donation_id: d.id, seq: (seq += 1), kind, clawback, request: kind === 'reverse' ? { reason: reason.slice(0, 500) } : { ...this.transferBody(d, clawback) }, status: 'sent', code: null, transfer_id: null };
      await this.attempts.record(attempt);
      const out = await this.send(d, attempt);
      return out ?? (await this.attempts.list(d.id)).find((a) => a.seq === attempt.seq)!.code as WalletProblemCode;
    };
    const first = await tryOnce('reverse', d.bonus_points);
    if (typeof first !== 'string') return first;
    if (first !== 'insufficient_points' || d.bonus_points === 0) throw this.refusal(first);
    // The donor spent (part of) the bonus: give everything back and take as much of the bonus as the
    // wallet accepts. The wallet cannot be asked for the donor's balance, so tries go down from
    // bonus-1 by gaps growing a quarter each time (…, 0: 0 always fits the donor); the first that
    // applies is the refund, as nothing may be tried once a transfer applied. It reclaims at least
    // about 80 % of what the donor could give back, in O(log bonus) wallet calls.
    for (let gap = 1; ; gap = Math.max(gap + 1, Math.ceil(gap * 1.25))) {
      const clawback = Math.max(0, d.bonus_points - gap);
      const out = await tryOnce('transfer', clawback);
      if (typeof out !== 'string') return out;
      if (out !== 'insufficient_points' || clawback === 0) throw this.refusal(out);
    }
  }

  /** Sends one recorded try; null when it was refused (recorded as such). Unknown outcome → 503, the try stays `sent`. */
  private async send(d: Donation, a: RefundAttempt): Promise<Refunded | null> {
    const key = `donation:${d.id}:refund:${a.seq}`;
    const call = a.kind === 'reverse'
      ? await this.wallet.reverseTransfer(d.transfer_id!, a.request as { reason: string }, { idempotencyKey: key })
      : await this.wallet.transfer(a.request as unknown as WalletMultiLegTransferRequest, { idempotencyKey: key });
    switch (call.kind) {
      case 'unavailable':
        throw new DonationException('wallet_unavailable', 'the wallet could not be reached; send the refund again (it will not be paid twice)');
      case 'refused':
        await this.attempts.settle(d.id, a.seq, 'refused', call.code, null);
        return null;
      case 'applied':
        await this.attempts.settle(d.id, a.seq, 'applied', null, call.body.transfer_id);
        return this.outcome(d, a, call.body.transfer_id);
    }
  }

  private outcome(d: Donation, a: RefundAttempt, transferId: string): Refunded {
    const reclaimed = a.kind === 'reverse' ? d.bonus_points : a.clawback;
    return { transferId, reclaimed, shortfall: d.bonus_points - reclaimed };
  }

  /** Money and points from the campaign back to the donor, and `clawback` bonus points from the donor back to the platform: one transfer. */
  private transferBody(d: Donation, clawback: number): WalletMultiLegTransferRequest {
    const donor = { type: 'user' as const, id: d.user_id };
    const campaign = { type: 'campaign' as const, id: d.campaign_id };
    const legs: WalletTransferLeg[] = [];
    if (d.amount > 0) legs.push({ from: campaign, to: donor, asset: 'ZAR', amount: d.amount });
    if (d.points > 0) legs.push({ from: campaign, to: donor, asset: 'POINTS', amount: d.points });
    if (clawback > 0) legs.push({ from: donor, to: { type: 'platform' }, asset: 'POINTS', amount: clawback });
    return {
      kind: 'transfer', user_id: d.user_id, description: 'Donation refunded', reference: `donation-refund:${d.id}`,
      metadata: { donation_id: d.id, refund_of: d.transfer_id, bonus_clawback: clawback, bonus_shortfall: d.bonus_points - clawback }, legs,
    };
  }

  private refusal(code: WalletProblemCode): DonationException {
    // The campaign no longer holds the money (disbursed or redirected), or its balance sits where the wallet will not debit it.
    if (code === 'insufficient_funds') return new DonationException('insufficient_campaign_balance', 'the campaign does not hold enough to give this donation back');
    return DonationException.fromWalletRefusal(code);
  }
}
