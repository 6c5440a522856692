import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { GatewayRequest } from '../guards/gateway.guard';
import { actorOf, isAudited, noteOf, targetsOf } from './audit-entry';
import { AuditLogService } from './audit-log.service';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The gateway sees every authenticated write with its principal: after the answer is sent (the
 * backend's, or the gateway's own), each admin or service-key write is appended to the audit log
 * with its route template, the ids it acted on, its status and the masked note of its body, never
 * the body itself. Residents' and collectors' writes are theirs, not the office's, and are not kept;
 * nor are a key's everyday writes (see {@link isAudited}).
 */
@Injectable()
export class AuditRecorder implements OnModuleInit {
  constructor(private readonly adapter: HttpAdapterHost, private readonly audit: AuditLogService) {}

  onModuleInit(): void {
    const fastify = this.adapter.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', async (raw, reply) => {
      const req = raw as GatewayRequest;
      const ctx = req.gateway;
      if (!ctx || !WRITES.has(req.method)) return;
      const actor = actorOf(ctx.principal);
      if (!actor) return;
      const { rule, params } = ctx.match;
      const permission = `${rule.resource}:${rule.action}`;
      if (!isAudited(actor, permission)) return;
      await this.audit.record({
        actorKind: actor.kind, actorId: actor.id, actorKey: actor.key, method: req.method, route: rule.path,
        permission, targets: targetsOf(params, req.body), status: reply.statusCode,
        replayed: reply.getHeader('idempotent-replayed') === 'true', note: noteOf(req.body), requestId: String(req.id),
      });
    });
  }
}
