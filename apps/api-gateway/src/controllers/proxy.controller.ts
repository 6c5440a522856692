import { All, Controller, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { GatewayRequest } from '../guards/gateway.guard';
import { ProxyService } from '../proxy/proxy.service';

/** Every /v1 path the gateway does not serve itself goes to its owning service (documented from the route table). */
@ApiExcludeController()
@Controller()
export class ProxyController {
  constructor(private readonly proxy: ProxyService) {}

  @All('v1/*')
  forward(@Req() req: GatewayRequest, @Res() reply: FastifyReply): Promise<void> { return this.proxy.forward(req, reply); }
}
