import { Injectable } from '@nestjs/common';
import { GREEN_SCHOLAR_FUND_CAMPAIGN_ID, isUuid, uuidv7 } from '@wozamali/contracts';
import type {
  AdjustmentDto, CreateHoldDto, EarnPointsDto, InternalTransferDto, RecordCollectionDto, ReverseTransferDto, SettleHoldDto, SpendPointsDto, AccountRefDto,
} from '../dtos/wallet.dto';
import { WalletException } from '../errors/wallet.exception';
import { computeCollection, kgToGrams } from '../collections/collection-math';
import { CatalogService } from './catalog.service';
import { LedgerRepository } from './ledger.repository';
import type { Asset, LedgerResult, PostingSpec, WriteContext } from './ledger.types';

export interface WalletView {
  user_id: string;
  wallet_id: string | null;
  currency: 'ZAR';
  balance: number;
  held: number;
  available: number;
  points: number;
  lifetime_points: number;
  tier: string;
  next_tier: string | null;
  points_to_next_tier: number | null;
  updated_at: string | null;
}

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

const REWARD_SINK = 'rewards';

function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string | undefined): string | null {
  if (!cursor) return null;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!isUuid(id)) throw new WalletException('invalid_id', 'cursor is not valid');
  return id;
}

/** The ledger's rules: what each operation posts, and how a wallet is read. */
@Injectable()
export class WalletService {
  constructor(private readonly ledger: LedgerRepository, private readonly catalog: CatalogService) {}

  async wallet(userId: string): Promise<WalletView> {
    const rows = await this.ledger.query<{ id: string; asset: Asset; balance: number; held: number; lifetime_earned: number; updated_at: Date }>(
      `select id, asset, balance, held, lifetime_earned, updated_at from accounts where owner_type = 'user' and owner_id = $1 and shard = 0`,
      [userId],
    );
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

  /** The wallet as it stood right after a write (from the ledger's own result). */
  walletAfter(r: LedgerResult): Promise<WalletView> {
    return this.view(r.user_id!, { wallet_id: r.wallet_id ?? null, balance: r.balance, held: r.held, points: r.points, lifetime: r.lifetime_points, updated_at: r.created_at });
  }

  async transactions(userId: string, limit: number, cursor: string | undefined, pointsOnly: boolean): Promise<{ data: TransactionView[]; next_cursor: string | null }> {
    const before = decodeCursor(cursor);
    const rows = await this.ledger.query<TransactionView & { created_at: Date }>(
      `with mine as (select id, asset from accounts where owner_type = 'user' and owner_id = $1 and shard = 0)
       select t.id, t.kind, t.description, t.reference, t.reverses_transfer_id, t.hold_id, t.created_at,
              coalesce(sum(p.amount) filter (where mine.asset = 'ZAR'), 0)::bigint as money_change,
              coalesce(sum(p.amount) filter (where mine.asset = 'POINTS'), 0)::bigint as points_change,
              max(p.balance_after) filter (where mine.asset = 'ZAR') as balance_after,
              max(p.balance_after) filter (where mine.asset = 'POINTS') as points_after
         from transfers t
         left join postings p on p.transfer_id = t.id and p.account_id in (select id from mine)
         left join mine on mine.id = p.account_id
        where t.user_id = $2 and ($3::uuid is null or t.id < $3::uuid)
          ${pointsOnly ? `and exists (select 1 from postings pp join mine m2 on m2.id = pp.account_id and m2.asset = 'POINTS' where pp.transfer_id = t.id)` : ''}
        group by t.id
        order by t.id desc
        limit $4`,
      [userId, userId, before, limit + 1],
    );
    const page = rows.slice(0, limit).map((r) => ({ ...r, currency: 'ZAR' as const, created_at: r.created_at.toISOString() }));
    return { data: page, next_cursor: rows.length > limit ? encodeCursor(page[page.length - 1]!.id) : null };
  }

  earn(ctx: WriteContext, userId: string, dto: EarnPointsDto): Promise<LedgerResult> {
    const postings: PostingSpec[] = [LedgerRepository.user(userId, 'POINTS', dto.points, true), LedgerRepository.funding('POINTS', -dto.points)];
    if (dto.amount) postings.push(LedgerRepository.user(userId, 'ZAR', dto.amount), LedgerRepository.funding('ZAR', -dto.amount));
    return this.ledger.execute(ctx, { kind: 'earn', userId, description: dto.reason, reference: dto.reference, postings });
  }

  spend(ctx: WriteContext, userId: string, dto: SpendPointsDto): Promise<LedgerResult> {
    return this.ledger.execute(ctx, {
      kind: 'spend', userId, description: dto.reason, reference: dto.reference,
      postings: [LedgerRepository.user(userId, 'POINTS', -dto.points), { owner_type: 'reward_sink', owner_id: REWARD_SINK, asset: 'POINTS', shard: LedgerRepository.systemShard(), amount: dto.points }],
    });
  }

  adjust(ctx: WriteContext, dto: AdjustmentDto, actor: string): Promise<LedgerResult> {
    // A positive points adjustment counts as earned (tiers); a negative one never lowers a tier.
    return this.ledger.execute(ctx, {
      kind: 'adjust', userId: dto.user_id, description: dto.reason, metadata: { actor },
      postings: [LedgerRepository.user(dto.user_id, dto.asset, dto.amount, dto.asset === 'POINTS' && dto.amount > 0), LedgerRepository.funding(dto.asset, -dto.amount)],
    });
  }

  reverse(ctx: WriteContext, transferId: string, dto: ReverseTransferDto, actor: string): Promise<LedgerResult> {
    return this.ledger.execute(ctx, { kind: 'reverse', userId: null, reverses: transferId, description: `Reversal of ${transferId}: ${dto.reason}`, metadata: { actor } });
  }

  private account(ref: AccountRefDto, asset: Asset, amount: number, kind: string): PostingSpec {
    switch (ref.type) {
      case 'user':
        if (!ref.id) throw new WalletException('invalid_account', 'a user account needs id');
        return LedgerRepository.user(ref.id, asset, amount, kind === 'earn' && asset === 'POINTS' && amount > 0);
      case 'campaign':
        if (!ref.id) throw new WalletException('invalid_account', 'a campaign account needs id');
        // Campaign accounts are spread over shards so donations don't queue behind one row.
        return { owner_type: 'campaign', owner_id: ref.id, asset, shard: amount > 0 ? LedgerRepository.systemShard() : 0, amount };
      case 'platform':
        return LedgerRepository.funding(asset, amount);
      case 'reward_sink':
        return { owner_type: 'reward_sink', owner_id: REWARD_SINK, asset, shard: LedgerRepository.systemShard(), amount };
      case 'payout_clearing':
        return { owner_type: 'payout_clearing', owner_id: 'payouts', asset, shard: LedgerRepository.systemShard(), amount };
    }
  }

  /** Internal API for rewards, donations and withdrawals: move an amount between two accounts. */
  transfer(ctx: WriteContext, dto: InternalTransferDto): Promise<LedgerResult> {
    if (dto.from.type === dto.to.type && dto.from.id === dto.to.id) throw new WalletException('invalid_account', 'from and to are the same account');
    const userId = dto.from.type === 'user' ? dto.from.id! : dto.to.type === 'user' ? dto.to.id! : null;
    return this.ledger.execute(ctx, {
      kind: dto.kind, userId, description: dto.description, reference: dto.reference, metadata: dto.metadata,
      postings: [this.account(dto.from, dto.asset, -dto.amount, dto.kind), this.account(dto.to, dto.asset, dto.amount, dto.kind)],
    });
  }

  hold(ctx: WriteContext, dto: CreateHoldDto): Promise<LedgerResult> {
    return this.ledger.execute(ctx, { kind: 'withdraw_hold', userId: dto.user_id, description: dto.description, reference: dto.reference, hold: { op: 'create', id: uuidv7(), amount: dto.amount } });
  }

  settleHold(ctx: WriteContext, holdId: string, op: 'post' | 'void', dto: SettleHoldDto): Promise<LedgerResult> {
    return this.ledger.execute(ctx, {
      kind: op === 'post' ? 'withdraw_post' : 'withdraw_void', userId: null,
      description: dto.description ?? (op === 'post' ? 'Withdrawal paid out' : 'Withdrawal hold released'), hold: { op, id: holdId },
    });
  }

  /** A weighed collection: points (tier multiplier) and money to the resident, the fund's share to the fund. */
  async recordCollection(ctx: WriteContext, dto: RecordCollectionDto): Promise<LedgerResult> {
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
    const postings: PostingSpec[] = [];
    if (c.points > 0) postings.push(LedgerRepository.user(dto.user_id, 'POINTS', c.points, true), LedgerRepository.funding('POINTS', -c.points));
    if (c.amount > 0) postings.push(LedgerRepository.user(dto.user_id, 'ZAR', c.amount));
    if (c.fund_amount > 0) postings.push({ owner_type: 'campaign', owner_id: GREEN_SCHOLAR_FUND_CAMPAIGN_ID, asset: 'ZAR', shard: LedgerRepository.systemShard(), amount: c.fund_amount });
    if (c.gross_amount > 0) postings.push(LedgerRepository.funding('ZAR', -c.gross_amount));
    const summary = {
      collection_id: collectionId, user_id: dto.user_id, collector_id: dto.collector_id ?? null, collected_at: collectedAt.toISOString(),
      rate_card_version: card.version, tier: standing.tier, tier_multiplier_bp: standing.multiplier_bp, points: c.points, amount: c.amount,
      fund_amount: c.fund_amount, gross_amount: c.gross_amount, currency: 'ZAR', total_grams: c.total_grams, lines: c.lines, impact: c.impact,
    };
    return this.ledger.execute(ctx, {
      transferId, kind: 'collection', userId: dto.user_id, reference: collectionId, postings,
      description: `Recycling collection: ${c.lines.map((l) => `${l.kg} kg ${l.name}`).join(', ')}`,
      metadata: { collection_id: collectionId, rate_card_version: card.version, collector_id: dto.collector_id ?? null },
      collection: { id: collectionId, collector_id: dto.collector_id ?? null, collected_at: collectedAt.toISOString(), rate_card_version: card.version, total_grams: c.total_grams, points: c.points, amount: c.amount, fund_amount: c.fund_amount, lines: c.lines },
      events: [{ type: 'collection_recorded', data: { ...summary, transfer_id: transferId, materials: c.lines } }],
      response: { collection: summary },
    });
  }

  /**
   * Recomputes every balance from the postings (and every held amount from pending holds) and
   * reports each difference; also checks that every transfer's postings sum to zero per asset.
   */
  async verify(): Promise<{ ok: boolean; accounts_checked: number; transfers_checked: number; mismatches: Record<string, unknown>[] }> {
    const mismatches = await this.ledger.query<Record<string, unknown>>(
      `with sums as (select account_id, sum(amount) as s, sum(amount) filter (where counts_lifetime) as l from postings group by account_id),
            h as (select account_id, sum(amount) as s from holds where status = 'pending' group by account_id)
       select a.id as account_id, a.owner_type, a.owner_id, a.asset, a.shard,
              a.balance as cached_balance, coalesce(sums.s, 0)::bigint as computed_balance,
              a.held as cached_held, coalesce(h.s, 0)::bigint as computed_held,
              a.lifetime_earned as cached_lifetime, coalesce(sums.l, 0)::bigint as computed_lifetime
         from accounts a left join sums on sums.account_id = a.id left join h on h.account_id = a.id
        where (a.cached and (a.balance <> coalesce(sums.s, 0) or a.held <> coalesce(h.s, 0))) or a.lifetime_earned <> coalesce(sums.l, 0)
           or (not a.allow_negative and (a.balance < 0 or a.held > a.balance))
        limit 1000`,
    );
    const unbalanced = await this.ledger.query<Record<string, unknown>>(
      `select transfer_id, asset, sum(amount)::bigint as total from postings group by transfer_id, asset having sum(amount) <> 0 limit 1000`,
    );
    const [{ accounts }] = await this.ledger.query<{ accounts: number }>('select count(*)::int as accounts from accounts');
    const [{ transfers }] = await this.ledger.query<{ transfers: number }>('select count(*)::int as transfers from transfers');
    const all = [...mismatches.map((m) => ({ type: 'account', ...m })), ...unbalanced.map((u) => ({ type: 'transfer_not_zero_sum', ...u }))];
    return { ok: all.length === 0, accounts_checked: accounts!, transfers_checked: transfers!, mismatches: all };
  }
}
