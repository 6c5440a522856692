import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ServiceMetrics } from './metrics';

/** A readiness check: resolves when the dependency answers, rejects (or times out) when it does not. */
export type ReadinessCheck = () => Promise<unknown>;

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');
export const SERVICE_INFO = Symbol('SERVICE_INFO');

export interface ServiceInfo {
  service: string;
  version: string;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms))]);
}

@Controller()
export class HealthController {
  constructor(
    @Inject(READINESS_CHECKS) private readonly checks: Record<string, ReadinessCheck>,
    @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
    private readonly metrics: ServiceMetrics,
  ) {}

  @Get('health/live')
  live() {
    return { status: 'ok', service: this.info.service, version: this.info.version, node: process.version, uptime_s: Math.round(process.uptime()) };
  }

  @Get('health/ready')
  async ready(@Res() reply: FastifyReply) {
    const results: Record<string, { status: 'up' | 'down'; error?: string }> = {};
    await Promise.all(Object.entries(this.checks).map(async ([name, check]) => {
      try {
        await withTimeout(check(), 2000);
        results[name] = { status: 'up' };
      } catch (err) {
        results[name] = { status: 'down', error: (err as Error).message };
      }
    }));
    const ok = Object.values(results).every((r) => r.status === 'up');
    void reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not_ready', service: this.info.service, checks: results });
  }

  @Get('metrics')
  async metricsText(@Res() reply: FastifyReply) {
    void reply.header('content-type', this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }
}
