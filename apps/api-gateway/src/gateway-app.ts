import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServiceApp } from '@wozamali/platform';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppModule } from './app.module';
import { assertProductionSafe, type ApiGatewayEnv } from './config/env';
import { setupOpenApi } from './openapi';

/**
 * Builds the gateway (not listening yet): the platform app, JSON bodies kept raw as well so they
 * reach the services byte for byte (their idempotency compares bodies), and the OpenAPI document.
 */
export async function buildGateway(env: ApiGatewayEnv): Promise<NestFastifyApplication> {
  assertProductionSafe(env);
  const app = await createServiceApp(AppModule.register(env), { service: 'api-gateway', logLevel: env.LOG_LEVEL });
  setupOpenApi(app);
  // Nest registers its JSON parser in init(); replace it afterwards (allowed until fastify is ready).
  await app.init();
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req: FastifyRequest, body: Buffer, done) => {
    (req as FastifyRequest & { rawBody?: Buffer }).rawBody = body;
    void parseJson(req, body.toString('utf8'), done);
  });
  return app;
}
