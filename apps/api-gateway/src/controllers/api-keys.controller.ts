import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@wozamali/auth';
import { ApiKeyDto, ApiKeyListDto, CreateApiKeyDto, CreatedApiKeyDto, RotateApiKeyDto } from '../dtos/api-key.dto';
import { GatewayException } from '../errors/gateway.exception';
import type { GatewayRequest } from '../guards/gateway.guard';
import { ApiKeyService } from '../services/api-key.service';

/** The principal the guard authorized; never absent, but an API-key route must not run without one. */
function principalOf(req: GatewayRequest): Principal {
  if (!req.gateway) throw new GatewayException('missing_credentials', 'authentication required');
  return req.gateway.principal;
}

@ApiTags('api-keys')
@ApiBearerAuth()
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeyService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key (admin: api_keys:manage). The key is in this response only.' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  create(@Body() dto: CreateApiKeyDto, @Req() req: GatewayRequest): Promise<CreatedApiKeyDto> { return this.keys.create(dto, principalOf(req)); }

  @Get()
  @ApiOperation({ summary: 'List API keys, newest first (never their secrets).' })
  @ApiOkResponse({ type: ApiKeyListDto })
  list(@Req() req: GatewayRequest): Promise<{ data: ApiKeyDto[] }> { principalOf(req); return this.keys.list(); }

  @Post(':id/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a key now (idempotent). The bootstrap key cannot be revoked here.' })
  @ApiOkResponse({ type: ApiKeyDto })
  revoke(@Param('id') id: string, @Req() req: GatewayRequest): Promise<ApiKeyDto> { principalOf(req); return this.keys.revoke(id); }

  @Post(':id/rotate')
  @ApiOperation({ summary: 'Issue a replacement key; the old one is revoked, or expires after grace_period_seconds.' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  rotate(@Param('id') id: string, @Body() dto: RotateApiKeyDto, @Req() req: GatewayRequest): Promise<CreatedApiKeyDto> { return this.keys.rotate(id, dto, principalOf(req)); }
}
