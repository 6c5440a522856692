import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { Tx } from '@wozamali/platform';
import type { EntityManager } from 'typeorm';
import { ListDeliveriesQuery, RecoverDto } from '../dtos/delivery.dto';
import { CreateEndpointDto, ListEndpointsQuery, UpdateEndpointDto } from '../dtos/endpoint.dto';
import { TestSendDto } from '../dtos/event-types.dto';
import { DeliveryService } from '../services/delivery.service';
import { EndpointService } from '../services/endpoint.service';

const Id = () => Param('id', new ParseUUIDPipe());

@Controller('v1/webhooks/endpoints')
export class EndpointsController {
  constructor(private readonly endpoints: EndpointService, private readonly deliveries: DeliveryService) {}

  @Post() create(@Tx() m: EntityManager, @Body() dto: CreateEndpointDto) { return this.endpoints.create(m, dto); }
  @Get() list(@Query() q: ListEndpointsQuery) { return this.endpoints.list(q); }
  @Get(':id') get(@Id() id: string) { return this.endpoints.get(id); }
  @Patch(':id') update(@Id() id: string, @Body() dto: UpdateEndpointDto) { return this.endpoints.update(id, dto); }
  @Delete(':id') @HttpCode(204) remove(@Id() id: string) { return this.endpoints.remove(id); }
  @Get(':id/secret') secret(@Id() id: string) { return this.endpoints.secret(id); }
  @Post(':id/rotate-secret') @HttpCode(200) rotate(@Tx() m: EntityManager, @Id() id: string) { return this.endpoints.rotateSecret(m, id); }
  @Post(':id/recover') @HttpCode(202) recover(@Tx() m: EntityManager, @Id() id: string, @Body() dto: RecoverDto) { return this.endpoints.recover(m, id, new Date(dto.since)); }
  @Post(':id/test') @HttpCode(202) test(@Tx() m: EntityManager, @Id() id: string, @Body() dto: TestSendDto) { return this.endpoints.sendTest(m, id, dto.event_type); }
  @Get(':id/deliveries') deliveriesOf(@Id() id: string, @Query() q: ListDeliveriesQuery) { return this.deliveries.listForEndpoint(id, q.status, q.limit, q.cursor); }
}
