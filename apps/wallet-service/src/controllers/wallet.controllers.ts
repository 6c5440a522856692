import { Body, Controller, Get, Param, Post, Put, Query, Res } from '@nestjs/common';
import { Caller, type ServiceCaller } from '@wozamali/platform';
import type { FastifyReply } from 'fastify';
import {
  AdjustmentDto, CreateHoldDto, EarnPointsDto, InternalTransferDto, ListQueryDto, PutRateCardDto, PutTiersDto, RecordCollectionDto,
  ReverseTransferDto, SettleHoldDto, SpendPointsDto, UserDaysQueryDto,
} from '../dtos/wallet.dto';
import { CatalogService } from '../ledger/catalog.service';
import type { WriteContext } from '../ledger/ledger.types';
import { WalletService } from '../ledger/wallet.service';
import { Actor, answer, UuidPipe, Write } from './write-context';

const limitOf = (q: ListQueryDto) => (q.limit ? Number(q.limit) : 20);

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
  earn(@Param('user_id', UuidPipe) userId: string, @Body() dto: EarnPointsDto, @Write() ctx: WriteContext, @Res({ passthrough: true }) reply: FastifyReply) {
    return answer(reply, this.wallets.earn(ctx, userId, dto));
  }

  @Post('spend')
  spend(@Param('user_id', UuidPipe) userId: string, @Body() dto: SpendPointsDto, @Write() ctx: WriteContext, @Res({ passthrough: true }) reply: FastifyReply) {
    return answer(reply, this.wallets.spend(ctx, userId, dto));
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
  record(@Body() dto: RecordCollectionDto, @Write() ctx: WriteContext, @Caller() caller: ServiceCaller | null, @Res({ passthrough: true }) reply: FastifyReply) {
    return answer(reply, this.wallets.recordCollection(ctx, dto, caller?.principal ?? null));
  }

  @Get('materials')
  materials() {
    return this.catalog.rateCardInForce();
  }

  @Put('materials/rate-card')
  putRateCard(@Body() dto: PutRateCardDto, @Actor() actor: string) {
    return this.catalog.putRateCard(dto, actor);
  }

  @Get('tiers')
  tiers() {
    return this.catalog.tiersView();
  }

  @Put('tiers')
  putTiers(@Body() dto: PutTiersDto) {
    return this.catalog.replaceTiersView(dto);
  }
}

@Controller('v1/admin')
export class AdminController {
  constructor(private readonly wallets: WalletService) {}

  @Post('adjustments')
  adjust(@Body() dto: AdjustmentDto, @Write() ctx: WriteContext, @Actor() actor: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return answer(reply, this.wallets.adjust(ctx, dto, actor));
  }

  @Post('transfers/:id/reverse')
  reverse(@Param('id', UuidPipe) id: string, @Body() dto: ReverseTransferDto, @Write() ctx: WriteContext, @Actor() actor: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return answer(reply, this.wallets.reverse(ctx, id, dto, actor));
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
  transfer(@Body() dto: InternalTransferDto, @Write() ctx: WriteContext, @Caller() caller: ServiceCaller | null, @Res({ passthrough: true }) reply: FastifyReply) {
    return answer(reply, this.wallets.transfer(ctx, dto, caller?.service ?? 'anonymous'));
  }

  @Post('transfers/:id/reverse')
  reverse(@Param('id', UuidPipe) id: string, @Body() dto: ReverseTransferDto, @Write() ctx: WriteContext, @Actor() actor: string, @Caller() caller: ServiceCaller | null, @Res({ passthrough: true }) reply: FastifyReply) {
    return answer(reply, this.wallets.reverse(ctx, id, dto, actor, caller?.service ?? 'anonymous'));
  }

  @Post('holds')
  hold(@Body() dto: CreateHoldDto, @Write() ctx: WriteContext, @Res({ passthrough: true }) reply: FastifyReply) {
    return answer(reply, this.wallets.hold(ctx, dto));
  }

  @Post('holds/:id/post')
  post(@Param('id', UuidPipe) id: string, @Body() dto: SettleHoldDto, @Write() ctx: WriteContext, @Res({ passthrough: true }) reply: FastifyReply) {
    return answer(reply, this.wallets.settleHold(ctx, id, 'post', dto));
  }

  @Post('holds/:id/void')
  void(@Param('id', UuidPipe) id: string, @Body() dto: SettleHoldDto, @Write() ctx: WriteContext, @Res({ passthrough: true }) reply: FastifyReply) {
    return answer(reply, this.wallets.settleHold(ctx, id, 'void', dto));
  }

  /** Each user's movements per asset on one local day, for the metrics service's reconciliation. */
  @Get('reports/user-days')
  userDays(@Query() q: UserDaysQueryDto) {
    return this.wallets.userDays(q.date, q.time_zone);
  }

  /** A system account's balance per asset (summed over its shards), with its totals credited and debited. */
  @Get('accounts/:owner_type/:owner_id/balances')
  balances(@Param('owner_type') ownerType: string, @Param('owner_id') ownerId: string) {
    return this.wallets.accountBalances(ownerType, ownerId);
  }
}
