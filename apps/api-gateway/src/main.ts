import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { InvalidEnvironmentError, validateEnv } from '@wozamali/config';
import { serviceKeysFromEnv } from '@wozamali/platform';
import { ApiGatewayEnv, DEV_ADMIN_API_KEY } from './config/env';
import { buildGateway, startMetricsListener } from './gateway-app';

async function main(): Promise<void> {
  let env: ApiGatewayEnv;
  try {
    env = validateEnv(ApiGatewayEnv);
    serviceKeysFromEnv('api-gateway', env, false); // it signs its calls; it takes none
  } catch (err) {
    if (err instanceof InvalidEnvironmentError) {
      process.stderr.write(`${JSON.stringify({ level: 'fatal', service: 'api-gateway', msg: err.message })}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const app = await buildGateway(env);
  await app.listen(env.GATEWAY_PORT, env.HOST);
  const logger = new Logger('api-gateway');
  if (env.GATEWAY_METRICS_PORT > 0) {
    await startMetricsListener(app, env.METRICS_HOST, env.GATEWAY_METRICS_PORT);
    logger.log(`api-gateway metrics on http://${env.METRICS_HOST}:${env.GATEWAY_METRICS_PORT}/metrics (not on the public port)`);
  }
  logger.log(`api-gateway listening on http://${env.HOST}:${env.GATEWAY_PORT} (node ${process.version}); docs at /docs`);
  if (env.ADMIN_API_KEY === DEV_ADMIN_API_KEY) logger.warn(`using the development admin key ${DEV_ADMIN_API_KEY} (X-Service-ID: ${env.ADMIN_SERVICE_ID}); set ADMIN_API_KEY outside development`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 'fatal', service: 'api-gateway', msg: (err as Error).message })}\n`);
  process.exit(1);
});
