import { createServer, type Server } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServiceApp, problem, sendProblem, ServiceMetrics } from '@wozamali/platform';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppModule } from './app.module';
import { assertProductionSafe, type ApiGatewayEnv } from './config/env';
import { registerConsole } from './console';
import { setupOpenApi } from './openapi';

/** Headers a browser may read from an answer (CORS). */
const EXPOSED_HEADERS = ['x-request-id', 'idempotent-replayed', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'ratelimit-policy', 'retry-after', 'location', 'allow'];

/**
 * Builds the gateway (not listening yet): the platform app, JSON bodies kept raw as well so they
 * reach the services byte for byte (their idempotency compares bodies), the OpenAPI document, CORS
 * for the configured origins only, and no /metrics on the public port (see {@link startMetricsListener}).
 */
export async function buildGateway(env: ApiGatewayEnv): Promise<NestFastifyApplication> {
  assertProductionSafe(env);
  const app = await createServiceApp(AppModule.register(env), { service: 'api-gateway', logLevel: env.LOG_LEVEL });
  const origins = env.CORS_ALLOWED_ORIGINS ? env.CORS_ALLOWED_ORIGINS.split(',') : [];
  if (origins.length > 0) {
    app.enableCors({
      origin: origins, methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'], credentials: false, maxAge: 600,
      allowedHeaders: ['authorization', 'x-service-id', 'content-type', 'idempotency-key', 'x-request-id', 'cache-control'], exposedHeaders: EXPOSED_HEADERS,
    });
  }
  setupOpenApi(app);
  // The admin console (static files at /console/, outside the guard: its API calls carry credentials).
  await registerConsole(app);
  // Nest registers its JSON parser in init(); replace it afterwards (allowed until fastify is ready).
  await app.init();
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  fastify.addHook('onRequest', (req, reply, done) => {
    if (req.url === '/metrics' || req.url.startsWith('/metrics?')) {
      sendProblem(reply, problem(404, 'not_found', 'no such resource'));
      return;
    }
    done();
  });
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req: FastifyRequest, body: Buffer, done) => {
    (req as FastifyRequest & { rawBody?: Buffer }).rawBody = body;
    void parseJson(req, body.toString('utf8'), done);
  });
  return app;
}

/** Serves the gateway's Prometheus metrics on an internal listener (`GET /metrics` only), apart from the public API. */
export async function startMetricsListener(app: NestFastifyApplication, host: string, port: number): Promise<Server> {
  const metrics = app.get(ServiceMetrics, { strict: false });
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url !== '/metrics' && !req.url?.startsWith('/metrics?'))) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, () => resolve()));
  return server;
}
