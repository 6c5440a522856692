import { Controller, Get, Param, ParseUUIDPipe, Patch, Post, Query, UseInterceptors } from '@nestjs/common';
import { Caller, IdempotencyInterceptor, Tx, type ServiceCaller } from '@wozamali/platform';
import type { EntityManager } from 'typeorm';
import { JsonBody } from '../dtos/json-body';
import { CreateRewardDto, ListRewardsQuery, UpdateRewardDto } from '../dtos/reward.dto';
import { CatalogueService } from '../services/catalogue.service';

const Id = () => Param('id', new ParseUUIDPipe());

@Controller('v1/rewards')
export class RewardsController {
  constructor(private readonly catalogue: CatalogueService) {}

  @Get() list(@Query() q: ListRewardsQuery, @Caller() c: ServiceCaller | null) { return this.catalogue.list(q, c?.principal ?? null); }
  @Get(':id') get(@Id() id: string, @Caller() c: ServiceCaller | null) { return this.catalogue.get(id, c?.principal ?? null); }
  @Get(':id/stock-movements') movements(@Id() id: string) { return this.catalogue.movements(id); }
  @Post() @UseInterceptors(IdempotencyInterceptor) create(@Tx() m: EntityManager, @JsonBody() dto: CreateRewardDto, @Caller() c: ServiceCaller | null) { return this.catalogue.create(m, dto, c?.principal ?? null); }
  @Patch(':id') update(@Id() id: string, @JsonBody() dto: UpdateRewardDto, @Caller() c: ServiceCaller | null) { return this.catalogue.update(id, dto, c?.principal ?? null); }
}
