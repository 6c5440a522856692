import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { Tx } from '@wozamali/platform';
import type { EntityManager } from 'typeorm';
import { DeliveryService } from '../services/delivery.service';

@Controller('v1/webhooks')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveryService) {}

  @Get('deliveries/:id') get(@Param('id', new ParseUUIDPipe()) id: string) { return this.deliveries.get(id); }
  @Post('deliveries/:id/retry') @HttpCode(202) retry(@Tx() m: EntityManager, @Param('id', new ParseUUIDPipe()) id: string) { return this.deliveries.retry(m, id); }
  @Get('events/:eventId') event(@Param('eventId', new ParseUUIDPipe()) eventId: string) { return this.deliveries.eventStatus(eventId); }
}
