import fs from 'node:fs';
import path from 'node:path';
import type { Backend } from '../routing/route-rule';
import { emitServiceSpec, problemCodesOf, type ResponseSpec, type ServiceSpec } from './emit-service';

/** The repository root (this file is apps/api-gateway/{src,dist}/openapi/…). */
export const REPO_ROOT = path.resolve(__dirname, '../../../..');

/** Each proxied backend's app folder. */
export const SERVICE_APPS: Record<Exclude<Backend, 'gateway'>, string> = {
  wallet: 'wallet-service',
  rewards: 'rewards-service',
  donations: 'donations-service',
  withdrawals: 'withdrawals-service',
  metrics: 'metrics-service',
  webhooks: 'webhook-dispatcher',
};

/** The committed, generated spec of a service: `apps/<svc>/openapi.json` (`npm run build` rewrites it). */
export const specFile = (app: string): string => path.join(REPO_ROOT, 'apps', app, 'openapi.json');

/**
 * Emits a service's spec from its controllers and DTOs as loaded from `apps/<svc>/<dir>`
 * (`dist` after the build; `src` under jest, which compiles TypeScript on require).
 */
export function emitFromApp(app: string, dir: 'src' | 'dist'): ServiceSpec {
  const ext = dir === 'src' ? '.ts' : '.js';
  const base = path.join(REPO_ROOT, 'apps', app, dir);
  const controllersDir = path.join(base, 'controllers');
  const controllers: unknown[] = [];
  for (const file of fs.readdirSync(controllersDir).sort()) {
    if (!file.endsWith(ext) || file.endsWith(`.spec${ext}`) || file.endsWith('.d.ts')) continue;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    controllers.push(...Object.values(require(path.join(controllersDir, file)) as Record<string, unknown>));
  }
  const responsesFile = path.join(base, 'openapi', `responses${ext}`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const responses = fs.existsSync(responsesFile) ? (require(responsesFile) as { RESPONSES: Record<string, ResponseSpec> }).RESPONSES : {};
  const errorsDir = path.join(REPO_ROOT, 'apps', app, 'src', 'errors');
  const errors: Record<string, string[]> = {};
  for (const file of fs.readdirSync(errorsDir).filter((f) => f.endsWith('.ts')).sort()) {
    for (const [status, codes] of Object.entries(problemCodesOf(fs.readFileSync(path.join(errorsDir, file), 'utf8')))) errors[status] = [...new Set([...(errors[status] ?? []), ...codes])].sort();
  }
  return emitServiceSpec(app, controllers, responses, errors);
}

export const serialise = (spec: ServiceSpec): string => `${JSON.stringify(spec, null, 2)}\n`;

/** The committed specs of every proxied backend. */
export function readServiceSpecs(): Record<string, ServiceSpec> {
  return Object.fromEntries(Object.entries(SERVICE_APPS).map(([backend, app]) => [backend, JSON.parse(fs.readFileSync(specFile(app), 'utf8')) as ServiceSpec]));
}
