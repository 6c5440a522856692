import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { PageQueryDto, Tx } from '@wozamali/platform';
import type { EntityManager } from 'typeorm';
import { CreateExternalServiceDto, UpdateExternalServiceDto } from '../dtos/external-service.dto';
import { ExternalServicesService } from '../services/external-service.service';

const Id = () => Param('id', new ParseUUIDPipe());

@Controller('v1/external/services')
export class ExternalServicesController {
  constructor(private readonly services: ExternalServicesService) {}

  @Post() register(@Tx() m: EntityManager, @Body() dto: CreateExternalServiceDto) { return this.services.register(m, dto); }
  @Get() list(@Query() q: PageQueryDto) { return this.services.list(q); }
  @Get('health') health(@Query() q: PageQueryDto) { return this.services.health(q); }
  @Get(':id') get(@Id() id: string) { return this.services.get(id); }
  @Patch(':id') update(@Id() id: string, @Body() dto: UpdateExternalServiceDto) { return this.services.update(id, dto); }
  @Delete(':id') @HttpCode(204) remove(@Id() id: string) { return this.services.remove(id); }
  @Post(':id/heartbeat') @HttpCode(200) heartbeat(@Tx() m: EntityManager, @Id() id: string) { return this.services.heartbeat(m, id); }
}
