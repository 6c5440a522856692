import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { mergeSpecs, type MergeResult } from './openapi/merge';
import { readServiceSpecs } from './openapi/service-specs';

const DESCRIPTION = 'The public API, through the api-gateway. Services: `Authorization: Bearer wm_live_…` and `X-Service-ID`. '
  + 'Residents, collectors, admins: `Authorization: Bearer <JWT>` (sub = user id, role). Every POST requires `Idempotency-Key` (400 `idempotency_key_required` without it): '
  + 'the same key and body answer the original (`Idempotent-Replayed: true`), the same key with another body is 409 `idempotency_key_reused`. '
  + 'Errors are application/problem+json with a stable `code`. Lists: `?limit=&cursor=` → `{ data, next_cursor }`.\n\n'
  + 'Each service emits its operations from its own controllers and DTOs at build (`apps/<service>/openapi.json`); '
  + 'the gateway publishes those its route table routes.';

/** The gateway's own operations (from its DTOs) merged with every routed operation of the services' specs. */
export function buildOpenApi(app: INestApplication): MergeResult {
  const config = new DocumentBuilder()
    .setTitle('WozaMali Rewards API')
    .setDescription(DESCRIPTION)
    .setVersion('1')
    .setLicense('Proprietary', 'https://wozamali.co.za/terms')
    .addServer('/')
    .build();
  const own = SwaggerModule.createDocument(app, config);
  own.openapi = '3.1.0';
  return mergeSpecs(own, readServiceSpecs());
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  return buildOpenApi(app).doc;
}

/** Serves the UI at /docs (swagger-ui-dist from npm) and the document at /openapi.json. */
export function setupOpenApi(app: INestApplication): void {
  const doc = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, () => doc, { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
}
