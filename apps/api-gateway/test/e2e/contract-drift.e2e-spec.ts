import { execFile, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { DisposableBroker, ROOT, serverUrl, uniqueName } from '@wozamali/testing';
import { ADMIN_HEADERS, call, startGateway, userToken, withKey, type RunningGateway, startBuiltService } from '../medium/gateway-harness';
import { ContractValidator, type OpenApiDoc } from '../support/contract';

const exec = promisify(execFile);

// The contract test: every documented operation of the wallet-service (and a sample of the
// webhook-dispatcher's and the gateway's own) is called on the running platform — built services
// as `npm start` runs them, the real gateway, PostgreSQL and Kafka — and each real answer, success
// and error, is validated with ajv against the published /openapi.json.
const prefix = `${process.env.DB_PREFIX || 'wozamali_test'}_gwcontract`;
const broker = new DisposableBroker(Number(process.env.GATEWAY_E2E_KAFKA_PORT || 19472));
const children: ChildProcess[] = [];

const startService = (name: string, env: Record<string, string>): Promise<string> => startBuiltService(name, env, { prefix, brokers: broker.brokers, children });

interface Case { method: string; template: string; path: string; headers?: Record<string, string>; body?: unknown; expect: number }

describe('the published OpenAPI against the running platform (drift fails CI)', () => {
  let gw: RunningGateway;
  let doc: OpenApiDoc;
  let contract: ContractValidator;
  const user = randomUUID();
  const admin = ADMIN_HEADERS;
  const post = (h: Record<string, string> = admin) => withKey(h);
  const called = new Set<string>();

  async function check(c: Case): Promise<{ status: number; json: Record<string, unknown> | null; problems: string[] }> {
    const res = await call(gw.url, c.method, c.path, c.headers ?? (c.method === 'POST' ? post() : admin), c.body);
    called.add(`${c.method} ${c.template} ${res.status < 400 ? 'ok' : 'error'}`);
    const problems = c.expect === res.status ? [] : [`${c.method} ${c.path}: expected ${c.expect}, got ${res.status} ${res.text.slice(0, 300)}`];
    problems.push(...contract.checkResponse(c.method, c.template, res.status, res.headers.get('content-type'), res.json ?? (res.text || null)));
    return { status: res.status, json: res.json, problems };
  }

  beforeAll(async () => {
    await broker.start();
    const env = { ...process.env, DB_PREFIX: prefix, KAFKA_BROKERS: broker.brokers, DATABASE_URL: serverUrl() };
    await exec(process.execPath, [path.join(ROOT, 'scripts/kafka-topics.js')], { env });
    await exec(process.execPath, [path.join(ROOT, 'scripts/migrate.js'), '--reset', 'wallet-service', 'webhook-dispatcher'], { env });
    const [walletUrl, webhooksUrl] = await Promise.all([
      startService('wallet-service', {}),
      startService('webhook-dispatcher', { WEBHOOK_ALLOW_LOOPBACK: 'true', HEALTH_PROBES_ENABLED: 'false' }),
    ]);
    gw = await startGateway({ WALLET_SERVICE_URL: walletUrl, WEBHOOKS_SERVICE_URL: webhooksUrl, REDIS_KEY_PREFIX: uniqueName('gwcontract') });
    doc = (await call(gw.url, 'GET', '/openapi.json')).json as unknown as OpenApiDoc;
    contract = new ContractValidator(doc);
  }, 150_000);

  afterAll(async () => {
    await gw?.close();
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)))));
    await broker.stop();
  }, 60_000);

  it('the request examples the spec publishes are valid against its own request schemas', () => {
    const problems: string[] = [];
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const example = (op.requestBody?.content['application/json'] as { example?: unknown } | undefined)?.example;
        if (example !== undefined) problems.push(...contract.checkRequest(method.toUpperCase(), p, example));
      }
    }
    expect(problems).toEqual([]);
  });

  it("every wallet operation's real answers, success and error, match the spec; and a sample of the webhooks' and the gateway's", async () => {
    const ex = (template: string, method = 'post') => (doc.paths[template][method].requestBody!.content['application/json'] as { example: Record<string, unknown> }).example;
    const collector = userToken('collector');
    const w = `/v1/wallets/${user}`;
    const u = `/v1/users/${user}`;
    const cases: Case[] = [
      { method: 'GET', template: '/v1/wallets/{user_id}', path: w, expect: 200 },
      { method: 'GET', template: '/v1/wallets/{user_id}', path: '/v1/wallets/not-a-uuid', expect: 400 },
      { method: 'POST', template: '/v1/users/{user_id}/points/earn', path: `${u}/points/earn`, body: ex('/v1/users/{user_id}/points/earn'), expect: 201 },
      { method: 'POST', template: '/v1/users/{user_id}/points/earn', path: `${u}/points/earn`, headers: admin, body: ex('/v1/users/{user_id}/points/earn'), expect: 400 },
      { method: 'POST', template: '/v1/users/{user_id}/points/spend', path: `${u}/points/spend`, body: ex('/v1/users/{user_id}/points/spend'), expect: 201 },
      { method: 'POST', template: '/v1/users/{user_id}/points/spend', path: `${u}/points/spend`, body: { points: 1_000_000, reason: 'too much' }, expect: 422 },
      { method: 'GET', template: '/v1/wallets/{user_id}/transactions', path: `${w}/transactions?limit=2`, expect: 200 },
      { method: 'GET', template: '/v1/wallets/{user_id}/transactions', path: `${w}/transactions?limit=0`, expect: 400 },
      { method: 'GET', template: '/v1/users/{user_id}/points/history', path: `${u}/points/history`, expect: 200 },
      { method: 'POST', template: '/v1/collections', path: '/v1/collections', body: { ...ex('/v1/collections'), user_id: user }, expect: 201 },
      { method: 'POST', template: '/v1/collections', path: '/v1/collections', headers: withKey(collector.headers), body: { user_id: user, collector_id: randomUUID(), materials: [{ material: 'PET', kg: '1' }] }, expect: 403 },
      { method: 'POST', template: '/v1/collections', path: '/v1/collections', body: { user_id: user, materials: [{ material: 'UNOBTAINIUM', kg: '1' }] }, expect: 422 },
      { method: 'GET', template: '/v1/materials', path: '/v1/materials', expect: 200 },
      { method: 'PUT', template: '/v1/materials/rate-card', path: '/v1/materials/rate-card', body: {}, expect: 400 },
      { method: 'GET', template: '/v1/tiers', path: '/v1/tiers', expect: 200 },
      { method: 'PUT', template: '/v1/tiers', path: '/v1/tiers', body: {}, expect: 400 },
      { method: 'GET', template: '/v1/admin/ledger/verify', path: '/v1/admin/ledger/verify', expect: 200 },
      { method: 'POST', template: '/v1/admin/adjustments', path: '/v1/admin/adjustments', body: { user_id: user, asset: 'POINTS', amount: 5, reason: 'contract test' }, expect: 201 },
      { method: 'POST', template: '/v1/admin/adjustments', path: '/v1/admin/adjustments', body: { user_id: user, asset: 'POINTS', amount: 0, reason: 'zero' }, expect: 400 },
      { method: 'POST', template: '/v1/admin/transfers/{transfer_id}/reverse', path: `/v1/admin/transfers/${randomUUID()}/reverse`, body: { reason: 'contract test' }, expect: 404 },
      { method: 'GET', template: '/v1/webhooks/event-types', path: '/v1/webhooks/event-types', expect: 200 },
      { method: 'GET', template: '/v1/webhooks/endpoints', path: '/v1/webhooks/endpoints?limit=5', expect: 200 },
      { method: 'POST', template: '/v1/webhooks/endpoints', path: '/v1/webhooks/endpoints', body: { url: 'not a url', events: ['wallet_update'] }, expect: 400 },
      { method: 'GET', template: '/v1/external/services', path: '/v1/external/services', expect: 200 },
      { method: 'GET', template: '/v1/api-keys', path: '/v1/api-keys?limit=2', expect: 200 },
      { method: 'GET', template: '/v1/api-keys', path: '/v1/api-keys', headers: {}, expect: 401 },
    ];
    const problems: string[] = [];
    for (const c of cases) problems.push(...(await check(c)).problems);
    // A successful reversal (needs a transfer id from a real write).
    const earned = await call(gw.url, 'POST', `${u}/points/earn`, post(), { points: 7, reason: 'to reverse' });
    problems.push(...(await check({ method: 'POST', template: '/v1/admin/transfers/{transfer_id}/reverse', path: `/v1/admin/transfers/${String(earned.json?.transfer_id)}/reverse`, body: { reason: 'contract test' }, expect: 201 })).problems);
    // Every webhooks and external-services operation, on an endpoint and a service made here.
    const ep = await check({ method: 'POST', template: '/v1/webhooks/endpoints', path: '/v1/webhooks/endpoints', body: ex('/v1/webhooks/endpoints'), expect: 201 });
    problems.push(...ep.problems);
    const epId = String(ep.json?.id);
    const missing = randomUUID();
    const svc = await check({ method: 'POST', template: '/v1/external/services', path: '/v1/external/services', body: { ...ex('/v1/external/services'), name: uniqueName('contract') }, expect: 201 });
    problems.push(...svc.problems);
    const svcId = String(svc.json?.id);
    const more: Case[] = [
      { method: 'GET', template: '/v1/webhooks/endpoints/{id}', path: `/v1/webhooks/endpoints/${epId}`, expect: 200 },
      { method: 'GET', template: '/v1/webhooks/endpoints/{id}', path: `/v1/webhooks/endpoints/${missing}`, expect: 404 },
      { method: 'PATCH', template: '/v1/webhooks/endpoints/{id}', path: `/v1/webhooks/endpoints/${epId}`, body: ex('/v1/webhooks/endpoints/{id}', 'patch'), expect: 200 },
      { method: 'PATCH', template: '/v1/webhooks/endpoints/{id}', path: `/v1/webhooks/endpoints/${epId}`, body: { events: [] }, expect: 400 },
      { method: 'GET', template: '/v1/webhooks/endpoints/{endpoint_id}/secret', path: `/v1/webhooks/endpoints/${epId}/secret`, expect: 200 },
      { method: 'POST', template: '/v1/webhooks/endpoints/{id}/rotate-secret', path: `/v1/webhooks/endpoints/${epId}/rotate-secret`, expect: 200 },
      { method: 'POST', template: '/v1/webhooks/endpoints/{id}/rotate-secret', path: `/v1/webhooks/endpoints/${missing}/rotate-secret`, expect: 404 },
      { method: 'POST', template: '/v1/webhooks/endpoints/{id}/test', path: `/v1/webhooks/endpoints/${epId}/test`, body: ex('/v1/webhooks/endpoints/{id}/test'), expect: 202 },
      { method: 'POST', template: '/v1/webhooks/endpoints/{id}/test', path: `/v1/webhooks/endpoints/${epId}/test`, body: { event_type: 'no_such_event' }, expect: 400 },
      { method: 'POST', template: '/v1/webhooks/endpoints/{id}/recover', path: `/v1/webhooks/endpoints/${epId}/recover`, body: { since: new Date(Date.now() - 60_000).toISOString() }, expect: 202 },
      { method: 'POST', template: '/v1/webhooks/endpoints/{id}/recover', path: `/v1/webhooks/endpoints/${epId}/recover`, body: { since: 'yesterday' }, expect: 400 },
      { method: 'GET', template: '/v1/webhooks/endpoints/{id}/deliveries', path: `/v1/webhooks/endpoints/${epId}/deliveries?limit=5`, expect: 200 },
      { method: 'GET', template: '/v1/webhooks/deliveries/{id}', path: `/v1/webhooks/deliveries/${missing}`, expect: 404 },
      { method: 'POST', template: '/v1/webhooks/deliveries/{id}/retry', path: `/v1/webhooks/deliveries/${missing}/retry`, expect: 404 },
      { method: 'GET', template: '/v1/webhooks/events/{eventId}', path: `/v1/webhooks/events/${missing}`, expect: 404 },
      { method: 'GET', template: '/v1/external/services/{service_ref}', path: `/v1/external/services/${svcId}`, expect: 200 },
      { method: 'GET', template: '/v1/external/services/{service_ref}', path: `/v1/external/services/${missing}`, expect: 404 },
      { method: 'PATCH', template: '/v1/external/services/{service_ref}', path: `/v1/external/services/${svcId}`, body: { base_url: 'https://notify2.example.org' }, expect: 200 },
      { method: 'POST', template: '/v1/external/services/{service_ref}/heartbeat', path: `/v1/external/services/${svcId}/heartbeat`, expect: 200 },
      { method: 'POST', template: '/v1/external/services/{service_ref}/heartbeat', path: `/v1/external/services/${missing}/heartbeat`, expect: 404 },
      { method: 'GET', template: '/v1/external/services/health', path: '/v1/external/services/health', expect: 200 },
      { method: 'DELETE', template: '/v1/external/services/{service_ref}', path: `/v1/external/services/${svcId}`, expect: 204 },
      { method: 'DELETE', template: '/v1/webhooks/endpoints/{id}', path: `/v1/webhooks/endpoints/${epId}`, expect: 204 },
      { method: 'DELETE', template: '/v1/webhooks/endpoints/{id}', path: `/v1/webhooks/endpoints/${epId}`, expect: 404 },
    ];
    for (const c of more) problems.push(...(await check(c)).problems);
    expect(problems).toEqual([]);
    // Coverage: every documented wallet and webhooks operation was called.
    const documented = Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`));
    const covered = documented.filter((op) => /^\S+ \/v1\/(wallets|users\/\{user_id\}\/points|collections|materials|tiers|admin|webhooks|external\/services)/.test(op));
    expect(covered.length).toBeGreaterThanOrEqual(32);
    expect(covered.filter((op) => ![...called].some((c) => c.startsWith(`${op} `)))).toEqual([]);
  }, 120_000);

  it('fails on a planted mismatch: a copy of the spec where a DTO and its service disagree rejects the real answer', async () => {
    const planted = JSON.parse(JSON.stringify(doc)) as OpenApiDoc & { paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: { properties: Record<string, unknown> } }> }> }>> };
    // The spec now says the balance is a string of rands (the service answers integer cents).
    planted.paths['/v1/wallets/{user_id}'].get.responses['200'].content['application/json'].schema.properties.balance = { type: 'string' };
    const res = await call(gw.url, 'GET', `/v1/wallets/${user}`, admin);
    expect(res.status).toBe(200);
    expect(contract.checkResponse('GET', '/v1/wallets/{user_id}', 200, res.headers.get('content-type'), res.json)).toEqual([]);
    const drift = new ContractValidator(planted).checkResponse('GET', '/v1/wallets/{user_id}', 200, res.headers.get('content-type'), res.json);
    expect(drift.join('\n')).toMatch(/\/balance must be string/);
    // An answer with a status the spec does not document is drift too.
    expect(new ContractValidator(doc).checkResponse('GET', '/v1/wallets/{user_id}', 418, 'application/json', {})).toEqual([expect.stringMatching(/status 418 is not documented/)]);
  });
});
