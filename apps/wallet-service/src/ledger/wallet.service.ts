import { Injectable } from '@nestjs/common';
import { isUuid, uuidv7 } from '@wozamali/contracts';
import type {
  AdjustmentDto, CreateHoldDto, EarnPointsDto, InternalTransferDto, RecordCollectionDto, ReverseTransferDto, SettleHoldDto, SpendPointsDto,
} from '../dtos/wallet.dto';
import { WalletException } from '../errors/wallet.exception';
import { computeCollection, kgToGrams } from '../collections/collection-math';
import { CatalogService } from './catalog.service';
import { LedgerReadRepository } from './ledger-read.repository';
import { LedgerRepository } from './ledger.repository';
import type { Asset, LedgerResult, OwnerType, PostingSpec, WriteContext } from './ledger.types';
import {
  adjustmentPostings, collectionPostings, earnPostings, InvalidLegs, planTransfer, randomShard, spendPostings, SYSTEM_OWNER_IDS, type Leg,
} from './postings';
import { reversalRefusal, transferRefusal } from './transfer-policy';
import { Written } from './written';
import type { WalletLedgerUserDaysResponse, WalletView } from '@wozamali/contracts';
import type { TokenPrincipal } from '@wozamali/platform';

/** The wallet read: the wallet API contract's view (one definition for the service and its callers). */
export type { WalletView };

export interface TransactionView {
  id: string;
  kind: string;
  money_change: number;
  points_change: number;
  balance_after: number | null;
  points_after: number | null;
  currency: 'ZAR';
  description: string;
  reference: string | null;
  reverses_transfer_id: string | null;
  hold_id: string | null;
  created_at: string;
}

function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string | undefined): string | null {
  if (!cursor) return null;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!isUuid(id)) throw new WalletException('invalid_id', 'cursor is not valid');
  return id;
}

/** What a user-facing write answers: the movement and the wallet right after it. */
export interface UserWriteView {
  transfer_id: string;
  user_id: string | null;
  kind: string;
  points: number;
  amount: number;
  currency: 'ZAR';
  created_at: string;
  wallet: WalletView;
  [extra: string]: unknown;
}

export interface TransferView {
  transfer_id: string;
  kind: string;
  user_id: string | null;
  created_at: string;
  postings: LedgerResult['postings'];
}

export interface ReversalView {
  transfer_id: string;
  reverses_transfer_id: string;
  kind: string;
  user_id: string | null;
  points: number;
  amount: number;
  created_at: string;
  postings: LedgerResult['postings'];
  wallet: WalletView | null;
}

export interface HoldView {
  hold_id: string;
  transfer_id: string;
  status: 'pending' | 'posted' | 'voided';
  amount?: number;
  user_id: string | null;
  /** When the ledger wrote the transfer (the instant its day reports count it on). */
  created_at: string;
  wallet: WalletView;
}

/** A system account's balance of one asset, summed over its shards. */
export interface AssetBalanceView {
  asset: Asset;
  balance: number;
  /** Everything ever credited to the account (positive postings). */
  credited: number;
  /** Everything ever debited from it, as a positive number. */
  debited: number;
}

export interface AccountBalancesView {
  owner_type: OwnerType;
  owner_id: string;
  balances: AssetBalanceView[];
}

const ASSETS: Asset[] = ['ZAR', 'POINTS'];
const BALANCE_OWNERS = ['campaign', 'reward_sink', 'payout_clearing', 'platform'] as const;

/** The ledger's rules: what each operation posts, and how a wallet is read. */
@Injectable()
export class WalletService {
  constructor(private readonly ledger: LedgerRepository, private readonly reads: LedgerReadRepository, private readonly catalog: CatalogService) {}

  async wallet(userId: string): Promise<WalletView> {
    const rows = await this.reads.findUserAccounts(userId);
    const zar = rows.find((r) => r.asset === 'ZAR');
    const pts = rows.find((r) => r.asset === 'POINTS');
    const updated = rows.map((r) => r.updated_at.getTime()).sort().pop();
    return this.view(userId, {
      wallet_id: zar?.id ?? null,
      balance: zar?.balance ?? 0,
      held: zar?.held ?? 0,
      points: pts?.balance ?? 0,
      lifetime: pts?.lifetime_earned ?? 0,
      updated_at: updated ? new Date(updated).toISOString() : null,
    });
  }

  private async view(userId: string, s: { wallet_id: string | null; balance: number; held: number; points: number; lifetime: number; updated_at: string | null }): Promise<WalletView> {
    const standing = this.catalog.standing(await this.catalog.listTiers(), s.lifetime);
    return {
      user_id: userId,
      wallet_id: s.wallet_id,
      currency: 'ZAR',
      balance: s.balance,
      held: s.held,
      available: s.balance - s.held,
      points: s.points,
      lifetime_points: s.lifetime,
      tier: standing.tier,
      next_tier: standing.next_tier,
      points_to_next_tier: standing.points_to_next_tier,
      updated_at: s.updated_at,
    };
  }

  /** The wallet as it stood right after a write, from the ledger's own result (no second read). */
  private walletAfter(r: LedgerResult): Promise<WalletView> {
    return this.view(r.user_id!, { wallet_id: r.wallet_id ?? null, balance: r.balance, held: r.held, points: r.points, lifetime: r.lifetime_points, updated_at: r.created_at });
  }

  private async userWrite(r: LedgerResult, extra: Record<string, unknown> = {}): Promise<Written<UserWriteView>> {
    return new Written(r, { transfer_id: r.transfer_id, user_id: r.user_id, kind: r.kind, points: r.points_change, amount: r.money_change, currency: 'ZAR', created_at: r.created_at, ...extra, wallet: await this.walletAfter(r) });
  }

  async transactions(userId: string, limit: number, cursor: string | undefined, pointsOnly: boolean): Promise<{ data: TransactionView[]; next_cursor: string | null }> {
    const rows = await this.reads.listUserTransfers(userId, decodeCursor(cursor), limit + 1, pointsOnly);
    const page = rows.slice(0, limit).map((r) => ({ ...r, currency: 'ZAR' as const, created_at: r.created_at.toISOString() }));
    return { data: page, next_cursor: rows.length > limit ? encodeCursor(page[page.length - 1]!.id) : null };
  }

  /** Each user's movements per asset on one local day, from the ledger (the metrics service reconciles with it). */
  async userDays(date: string, timeZone: string): Promise<WalletLedgerUserDaysResponse> {
    const rows = await this.reads.userDays(date, timeZone);
    return {
      date, time_zone: timeZone,
      users: rows.map((r) => ({ user_id: r.user_id.toLowerCase(), asset: r.asset, earned: Number(r.earned), spent: Number(r.spent), donated: Number(r.donated), withdrawn: Number(r.withdrawn) })),
    };
  }

  /** What a system account holds per asset (both assets, zeros for one that never moved). */
  async accountBalances(ownerType: string, ownerId: string): Promise<AccountBalancesView> {
    if (!(BALANCE_OWNERS as readonly string[]).includes(ownerType)) {
      throw new WalletException('invalid_account', `owner_type must be one of ${BALANCE_OWNERS.join(', ')} (a user's wallet is GET /v1/wallets/{user_id})`);
    }
    const type = ownerType as (typeof BALANCE_OWNERS)[number];
    const expected = type === 'campaign' ? null : SYSTEM_OWNER_IDS[type];
    if (expected === null ? !isUuid(ownerId) : ownerId !== expected) {
      throw new WalletException('invalid_id', expected === null ? 'a campaign is named by its UUID' : `the ${type} account is named ${expected}`);
    }
    const id = expected ?? ownerId.toLowerCase();
    const rows = await this.reads.sumOwnerBalances(type, id);
    return {
      owner_type: type,
      owner_id: id,
      balances: ASSETS.map((asset) => {
        const row = rows.find((r) => r.asset === asset);
        return { asset, balance: row?.balance ?? 0, credited: row?.credited ?? 0, debited: row?.debited ?? 0 };
      }),
    };
  }

  async earn(ctx: WriteContext, userId: string, dto: EarnPointsDto): Promise<Written<UserWriteView>> {
    return this.userWrite(await this.ledger.execute(ctx, { kind: 'earn', userId, description: dto.reason, reference: dto.reference, postings: earnPostings(userId, dto.points, dto.amount) }));
  }

  async spend(ctx: WriteContext, userId: string, dto: SpendPointsDto): Promise<Written<UserWriteView>> {
    return this.userWrite(await this.ledger.execute(ctx, { kind: 'spend', userId, description: dto.reason, reference: dto.reference, postings: spendPostings(userId, dto.points, randomShard) }));
  }

  async adjust(ctx: WriteContext, dto: AdjustmentDto, actor: string): Promise<Written<UserWriteView>> {
    const r = await this.ledger.execute(ctx, {
      kind: 'adjust', userId: dto.user_id, description: dto.reason, metadata: { actor }, postings: adjustmentPostings(dto.user_id, dto.asset, dto.amount),
    });
    return this.userWrite(r, { asset: dto.asset, reason: dto.reason });
  }

  /** `caller`: the internal service asking (it may reverse only its own transfers); absent for an admin through the gateway. */
  async reverse(ctx: WriteContext, transferId: string, dto: ReverseTransferDto, actor: string, caller?: string): Promise<Written<ReversalView>> {
    if (caller !== undefined) {
      const madeBy = await this.reads.transferMaker(transferId);
      const refusal = madeBy === undefined ? null : reversalRefusal(caller, madeBy);
      if (refusal) throw new WalletException('transfer_not_permitted', refusal);
    }
    const r = await this.ledger.execute(ctx, { kind: 'reverse', userId: null, reverses: transferId, description: `Reversal of ${transferId}: ${dto.reason}`, metadata: { actor } });
    return new Written(r, {
      transfer_id: r.transfer_id, reverses_transfer_id: transferId, kind: r.kind, user_id: r.user_id, points: r.points_change, amount: r.money_change,
      created_at: r.created_at, postings: r.postings, wallet: r.user_id ? await this.walletAfter(r) : null,
    });
  }

  /**
   * Internal API for rewards, donations and withdrawals: one transfer of one or more legs, all or
   * nothing. A multi-leg transfer concerns at most one user (whose events it writes).
   */
  async transfer(ctx: WriteContext, dto: InternalTransferDto, caller: string): Promise<Written<TransferView>> {
    const multiLeg = dto.legs !== undefined;
    const legs: Leg[] = dto.legs ?? [{ from: dto.from!, to: dto.to!, asset: dto.asset!, amount: dto.amount! }];
    let plan: { postings: PostingSpec[]; userId: string | null };
    try {
      plan = planTransfer(dto.kind, legs, multiLeg, dto.user_id, randomShard);
    } catch (err) {
      throw err instanceof InvalidLegs ? new WalletException('invalid_account', err.message) : err;
    }
    const refusal = transferRefusal(caller, dto.kind, legs);
    if (refusal) throw new WalletException('transfer_not_permitted', refusal);
    const r = await this.ledger.execute(ctx, { kind: dto.kind, userId: plan.userId, description: dto.description, reference: dto.reference, metadata: dto.metadata, postings: plan.postings });
    return new Written(r, { transfer_id: r.transfer_id, kind: r.kind, user_id: r.user_id, created_at: r.created_at, postings: r.postings });
  }

  async hold(ctx: WriteContext, dto: CreateHoldDto): Promise<Written<HoldView>> {
    const r = await this.ledger.execute(ctx, { kind: 'withdraw_hold', userId: dto.user_id, description: dto.description, reference: dto.reference, hold: { op: 'create', id: uuidv7(), amount: dto.amount } });
    return new Written(r, { hold_id: r.hold_id!, transfer_id: r.transfer_id, status: 'pending', amount: dto.amount, user_id: r.user_id, created_at: r.created_at, wallet: await this.walletAfter(r) });
  }

  async settleHold(ctx: WriteContext, holdId: string, op: 'post' | 'void', dto: SettleHoldDto): Promise<Written<HoldView>> {
    const r = await this.ledger.execute(ctx, {
      kind: op === 'post' ? 'withdraw_post' : 'withdraw_void', userId: null,
      description: dto.description ?? (op === 'post' ? 'Withdrawal paid out' : 'Withdrawal hold released'), hold: { op, id: holdId },
    });
    return new Written(r, { hold_id: holdId, transfer_id: r.transfer_id, status: op === 'post' ? 'posted' : 'voided', user_id: r.user_id, created_at: r.created_at, wallet: await this.walletAfter(r) });
  }

  /** A weighed collection: points (tier multiplier) and money to the resident, the fund's share to the fund. */
  /**
   * `principal`: who the gateway says recorded it. A collector's collection always carries their own
   * id as `collector_id` (another id is 403 collector_mismatch); an admin or a service key may name one.
   */
  async recordCollection(ctx: WriteContext, dto: RecordCollectionDto, principal: TokenPrincipal | null = null): Promise<Written<Record<string, unknown>>> {
    let collectorId = dto.collector_id?.toLowerCase() ?? null;
    if (principal?.type === 'user' && principal.role === 'collector') {
      if (collectorId !== null && collectorId !== principal.userId) throw new WalletException('collector_mismatch', 'a collector records collections as themselves: leave collector_id out or send your own id');
      collectorId = principal.userId;
    }
    const collectedAt = dto.collected_at ? new Date(dto.collected_at) : new Date();
    if (collectedAt.getTime() > Date.now() + 5 * 60_000) throw new WalletException('invalid_weight', 'collected_at is in the future');
    const items = dto.materials.map((m) => ({ material: m.material, kg: m.kg, grams: kgToGrams(m.kg) }));
    const bad = items.filter((i) => i.grams === null || i.grams <= 0);
    if (bad.length) throw new WalletException('invalid_weight', `kg must be more than 0 with at most 3 decimals: ${bad.map((b) => `${b.material}=${b.kg}`).join(', ')}`);
    const card = await this.catalog.rateCardAt(collectedAt);
    if (!card) throw new WalletException('no_rate_card', `no rate card is in force at ${collectedAt.toISOString()}`);
    const rates = new Map(card.materials.map((m) => [m.code, m]));
    const unknown = items.filter((i) => !rates.has(i.material)).map((i) => i.material);
    if (unknown.length) throw new WalletException('unknown_material', `not on rate card ${card.version}: ${[...new Set(unknown)].join(', ')}`);
    // The multiplier of the tier the resident holds when the collection is recorded.
    const before = await this.wallet(dto.user_id);
    const standing = this.catalog.standing(await this.catalog.listTiers(), before.lifetime_points);
    const c = computeCollection(items as { material: string; kg: string; grams: number }[], rates, standing.multiplier_bp);
    const collectionId = dto.collection_id ?? uuidv7();
    const transferId = uuidv7();
    const summary = {
      collection_id: collectionId, user_id: dto.user_id, collector_id: collectorId, collected_at: collectedAt.toISOString(),
      rate_card_version: card.version, tier: standing.tier, tier_multiplier_bp: standing.multiplier_bp, points: c.points, amount: c.amount,
      fund_amount: c.fund_amount, gross_amount: c.gross_amount, currency: 'ZAR', total_grams: c.total_grams, lines: c.lines, impact: c.impact,
    };
    const r = await this.ledger.execute(ctx, {
      transferId, kind: 'collection', userId: dto.user_id, reference: collectionId, postings: collectionPostings(dto.user_id, c, randomShard),
      description: `Recycling collection: ${c.lines.map((l) => `${l.kg} kg ${l.name}`).join(', ')}`,
      metadata: { collection_id: collectionId, rate_card_version: card.version, collector_id: collectorId },
      collection: { id: collectionId, collector_id: collectorId, collected_at: collectedAt.toISOString(), rate_card_version: card.version, total_grams: c.total_grams, points: c.points, amount: c.amount, fund_amount: c.fund_amount, lines: c.lines },
      events: [{ type: 'collection_recorded', data: { ...summary, transfer_id: transferId, materials: c.lines } }],
      response: { collection: summary },
    });
    return new Written(r, { ...(r.collection as Record<string, unknown>), transfer_id: r.transfer_id, wallet: await this.walletAfter(r) });
  }

  /**
   * Recomputes every balance from the postings (and every held amount from pending holds) and
   * reports each difference; also checks that every transfer's postings sum to zero per asset.
   */
  async verify(): Promise<{ ok: boolean; accounts_checked: number; transfers_checked: number; mismatches: Record<string, unknown>[] }> {
    const mismatches = await this.reads.findBalanceMismatches(1000);
    const unbalanced = await this.reads.findUnbalancedTransfers(1000);
    const { accounts, transfers } = await this.reads.countAccountsAndTransfers();
    const all = [...mismatches.map((m) => ({ type: 'account', ...m })), ...unbalanced.map((u) => ({ type: 'transfer_not_zero_sum', ...u }))];
    return { ok: all.length === 0, accounts_checked: accounts, transfers_checked: transfers, mismatches: all };
  }
}
