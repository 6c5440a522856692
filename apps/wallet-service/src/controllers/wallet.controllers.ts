import { Body, Controller, Get, Param, Post, Put, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  AdjustmentDto, CreateHoldDto, EarnPointsDto, InternalTransferDto, ListQueryDto, PutRateCardDto, PutTiersDto, RecordCollectionDto,
  ReverseTransferDto, SettleHoldDto, SpendPointsDto,
} from '../dtos/wallet.dto';
import { WalletException } from '../errors/wallet.exception';
import { CatalogService } from '../ledger/catalog.service';
import type { LedgerResult, WriteContext } from '../ledger/ledger.types';
import { WalletService } from '../ledger/wallet.service';
import { Actor, UuidPipe, Write, writeStatus } from './write-context';

const limitOf = (q: ListQueryDto) => (q.limit ? Number(q.limit) : 20);

/** Shapes a ledger result as the public answer to a user-facing write. */
async function userWrite(wallets: WalletService, reply: FastifyReply, r: LedgerResult, extra: Record<string, unknown> = {}) {
  writeStatus(reply, r);
  return { transfer_id: r.transfer_id, user_id: r.user_id, kind: r.kind, points: r.points_change, amount: r.money_change, currency: 'ZAR', created_at: r.created_at, ...extra, wallet: await wallets.walletAfter(r) };
}

@Controller('v1/wallets')
export class WalletsController {
  constructor(private readonly wallets: WalletService) {}

  @Get(':user_id')
  get(@Param('user_id', UuidPipe) userId: string) {
    return this.wallets.wallet(userId);
  }

  @Get(':user_id/transactions')
  transactions(@Param('user_id', UuidPipe) userId: string, @Query() q: ListQueryDto) {
    return this.wallets.transactions(userId, limitOf(q), q.cursor, false);
  }
}

@Controller('v1/users/:user_id/points')
export class PointsController {
  constructor(private readonly wallets: WalletService) {}

  @Post('earn')
  async earn(@Param('user_id', UuidPipe) userId: string, @Body() dto: EarnPointsDto, @Write() ctx: WriteContext, @Res({ passthrough: true }) reply: FastifyReply) {
    return userWrite(this.wallets, reply, await this.wallets.earn(ctx, userId, dto));
  }

  @Post('spend')
  async spend(@Param('user_id', UuidPipe) userId: string, @Body() dto: SpendPointsDto, @Write() ctx: WriteContext, @Res({ passthrough: true }) reply: FastifyReply) {
    return userWrite(this.wallets, reply, await this.wallets.spend(ctx, userId, dto));
  }

  @Get('history')
  history(@Param('user_id', UuidPipe) userId: string, @Query() q: ListQueryDto) {
    return this.wallets.transactions(userId, limitOf(q), q.cursor, true);
  }
}

@Controller('v1')
export class CollectionsController {
  constructor(private readonly wallets: WalletService, private readonly catalog: CatalogService) {}

  @Post('collections')
  async record(@Body() dto: RecordCollectionDto, @Write() ctx: WriteContext, @Res({ passthrough: true }) reply: FastifyReply) {
    const r = await this.wallets.recordCollection(ctx, dto);
    writeStatus(reply, r);
    return { ...(r.collection as Record<string, unknown>), transfer_id: r.transfer_id, wallet: await this.wallets.walletAfter(r) };
  }

  @Get('materials')
  async materials() {
    const card = await this.catalog.rateCardAt(new Date());
    if (!card) throw new WalletException('no_rate_card', 'no rate card is in force');
    return card;
  }

  @Put('materials/rate-card')
  putRateCard(@Body() dto: PutRateCardDto, @Actor() actor: string) {
    return this.catalog.putRateCard(dto, actor);
  }

  @Get('tiers')
  async tiers() {
    return { tiers: await this.catalog.listTiers() };
  }

  @Put('tiers')
  async putTiers(@Body() dto: PutTiersDto) {
    return { tiers: await this.catalog.replaceTiers(dto) };
  }
}

@Controller('v1/admin')
export class AdminController {
  constructor(private readonly wallets: WalletService) {}

  @Post('adjustments')
  async adjust(@Body() dto: AdjustmentDto, @Write() ctx: WriteContext, @Actor() actor: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return userWrite(this.wallets, reply, await this.wallets.adjust(ctx, dto, actor), { asset: dto.asset, reason: dto.reason });
  }

  @Post('transfers/:id/reverse')
  async reverse(@Param('id', UuidPipe) id: string, @Body() dto: ReverseTransferDto, @Write() ctx: WriteContext, @Actor() actor: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const r = await this.wallets.reverse(ctx, id, dto, actor);
    writeStatus(reply, r);
    return { transfer_id: r.transfer_id, reverses_transfer_id: id, kind: r.kind, user_id: r.user_id, points: r.points_change, amount: r.money_change, created_at: r.created_at, wallet: r.user_id ? await this.wallets.walletAfter(r) : null };
  }

  @Get('ledger/verify')
  verify() {
    return this.wallets.verify();
  }
}

/** For the rewards, donations and withdrawals services only (never routed by the gateway). */
@Controller('internal/v1')
export class InternalController {
  constructor(private readonly wallets: WalletService) {}

  @Post('transfers')
  async transfer(@Body() dto: InternalTransferDto, @Write() ctx: WriteContext, @Res({ passthrough: true }) reply: FastifyReply) {
    const r = await this.wallets.transfer(ctx, dto);
    writeStatus(reply, r);
    return { transfer_id: r.transfer_id, kind: r.kind, user_id: r.user_id, created_at: r.created_at, postings: r.postings };
  }

  @Post('transfers/:id/reverse')
  async reverse(@Param('id', UuidPipe) id: string, @Body() dto: ReverseTransferDto, @Write() ctx: WriteContext, @Actor() actor: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const r = await this.wallets.reverse(ctx, id, dto, actor);
    writeStatus(reply, r);
    return { transfer_id: r.transfer_id, reverses_transfer_id: id, user_id: r.user_id, created_at: r.created_at, postings: r.postings };
  }

  @Post('holds')
  async hold(@Body() dto: CreateHoldDto, @Write() ctx: WriteContext, @Res({ passthrough: true }) reply: FastifyReply) {
    const r = await this.wallets.hold(ctx, dto);
    writeStatus(reply, r);
    return { hold_id: r.hold_id, transfer_id: r.transfer_id, status: 'pending', amount: dto.amount, user_id: r.user_id, wallet: await this.wallets.walletAfter(r) };
  }

  @Post('holds/:id/post')
  async post(@Param('id', UuidPipe) id: string, @Body() dto: SettleHoldDto, @Write() ctx: WriteContext, @Res({ passthrough: true }) reply: FastifyReply) {
    const r = await this.wallets.settleHold(ctx, id, 'post', dto);
    writeStatus(reply, r);
    return { hold_id: id, transfer_id: r.transfer_id, status: 'posted', user_id: r.user_id, wallet: await this.wallets.walletAfter(r) };
  }

  @Post('holds/:id/void')
  async void(@Param('id', UuidPipe) id: string, @Body() dto: SettleHoldDto, @Write() ctx: WriteContext, @Res({ passthrough: true }) reply: FastifyReply) {
    const r = await this.wallets.settleHold(ctx, id, 'void', dto);
    writeStatus(reply, r);
    return { hold_id: id, transfer_id: r.transfer_id, status: 'voided', user_id: r.user_id, wallet: await this.wallets.walletAfter(r) };
  }
}
