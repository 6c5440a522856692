import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@wozamali/auth';
import { IdempotencyInterceptor, PageQueryDto, Tx, type Page } from '@wozamali/platform';
import type { EntityManager } from 'typeorm';
import { ApiKeyDto, ApiKeyListDto, CreateApiKeyDto, CreatedApiKeyDto, RotateApiKeyDto } from '../dtos/api-key.dto';
import { GatewayException } from '../errors/gateway.exception';
import type { GatewayRequest } from '../guards/gateway.guard';
import { ApiKeyService } from '../services/api-key.service';

/** The principal the guard authorized; never absent, but an API-key route must not run without one. */
function principalOf(req: GatewayRequest): Principal {
  if (!req.gateway) throw new GatewayException('missing_credentials', 'authentication required');
  return req.gateway.principal;
}

const IDEMPOTENCY_KEY = {
  name: 'Idempotency-Key', required: true, example: '6b0e1f9a-create-notify-key',
  description: 'Required on every POST. The same key and body answer the original (200, Idempotent-Replayed: true); the same key with another body is 409 idempotency_key_reused.',
};

/** Every POST here is idempotent (the platform's IdempotencyInterceptor; keys scoped per authenticated principal). */
@ApiTags('api-keys')
@ApiBearerAuth()
@UseInterceptors(IdempotencyInterceptor)
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeyService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key (admin: api_keys:manage). The key is in this response only.' })
  @ApiHeader(IDEMPOTENCY_KEY)
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  create(@Tx() m: EntityManager, @Body() dto: CreateApiKeyDto, @Req() req: GatewayRequest): Promise<CreatedApiKeyDto> { return this.keys.create(m, dto, principalOf(req)); }

  @Get()
  @ApiOperation({ summary: 'List API keys, newest first (never their secrets); `?limit=&cursor=` → `{ data, next_cursor }`.' })
  @ApiOkResponse({ type: ApiKeyListDto })
  list(@Query() q: PageQueryDto, @Req() req: GatewayRequest): Promise<Page<ApiKeyDto>> { principalOf(req); return this.keys.list(q); }

  @Post(':id/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a key now (idempotent). The bootstrap key cannot be revoked here.' })
  @ApiHeader(IDEMPOTENCY_KEY)
  @ApiOkResponse({ type: ApiKeyDto })
  revoke(@Tx() m: EntityManager, @Param('id') id: string, @Req() req: GatewayRequest): Promise<ApiKeyDto> { principalOf(req); return this.keys.revoke(m, id); }

  @Post(':id/rotate')
  @ApiOperation({ summary: 'Issue a replacement key; the old one is revoked, or expires after grace_period_seconds.' })
  @ApiHeader(IDEMPOTENCY_KEY)
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  rotate(@Tx() m: EntityManager, @Param('id') id: string, @Body() dto: RotateApiKeyDto, @Req() req: GatewayRequest): Promise<CreatedApiKeyDto> { return this.keys.rotate(m, id, dto, principalOf(req)); }
}
