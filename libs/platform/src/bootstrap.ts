import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ServiceTokenVerifier } from '@wozamali/auth';
import { JsonLogger } from './json-logger';
import { ServiceMetrics } from './metrics';
import { ProblemFilter } from './problem';
import { requestContext } from './request-context';
import { installServiceAuth, type CallerTable } from './service-auth';
import { createValidationPipe, installStorableTextCheck } from './validation';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const ROUTE_TEMPLATE = Symbol('routeTemplate');
type RoutedRequest = { [ROUTE_TEMPLATE]?: string };

/**
 * Names the route a request is counted under in `http_request_duration_seconds` when the framework's
 * own route is a catch-all (the gateway's `/v1/*` proxy: it names the route-table template instead).
 */
export function setRouteTemplate(req: object, template: string): void {
  (req as RoutedRequest)[ROUTE_TEMPLATE] = template;
}

export interface CreateAppOptions {
  service: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  bodyLimit?: number;
  /**
   * Who may call which route (see {@link CallerTable}): every request then needs a service token.
   * Only the gateway, the public edge, goes without.
   */
  callers?: CallerTable;
}

/**
 * Builds a service's Fastify-based Nest app: JSON logs with the correlation id, request ids
 * (`X-Request-ID` accepted or generated, echoed back), problem+json errors, strict DTO validation
 * (and text PostgreSQL cannot store refused everywhere), service-token authentication by caller,
 * request metrics and shutdown hooks (SIGTERM stops consumers, flushes the outbox, closes pools).
 */
export async function createServiceApp(module: Type | DynamicModule, opts: CreateAppOptions): Promise<NestFastifyApplication> {
  const logger = new JsonLogger(opts.service, opts.logLevel ?? 'info');
  const adapter = new FastifyAdapter({
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const header = req.headers['x-request-id'];
      return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    },
    logger: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, { logger, bufferLogs: true });
  app.useLogger(logger);
  app.useGlobalFilters(new ProblemFilter());
  app.useGlobalPipes(createValidationPipe());
  const metrics = app.get(ServiceMetrics, { strict: false });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (req, reply, done) => {
    requestContext.enter({ requestId: String(req.id) });
    void reply.header('x-request-id', String(req.id));
    done();
  });
  installStorableTextCheck(fastify);
  if (opts.callers) installServiceAuth(fastify, { verifier: app.get(ServiceTokenVerifier, { strict: false }), callers: opts.callers, metrics });
  fastify.addHook('onResponse', (req, reply, done) => {
    metrics?.httpDuration.observe(
      { method: req.method, route: (req as RoutedRequest)[ROUTE_TEMPLATE] ?? req.routeOptions?.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  return app;
}
