import { randomBytes } from 'node:crypto';
import { waitFor } from '@wozamali/testing';
import { keyId } from '@wozamali/platform';
import { SecretReseal } from '../../src/crypto/secret-reseal';
import { dispatcherEnv, dispatcherPrefix, migrateDispatcher, startDispatcher, type RunningDispatcher } from '../support/dispatcher';
import { api } from '../support/events';

// Rotating WEBHOOK_SECRET_KEY, the key that seals endpoint secrets at rest: the new key goes in as
// current with the old one in WEBHOOK_PREVIOUS_SECRET_KEYS; at boot every live secret is re-sealed
// with the new key; after that the old key can go and every endpoint still has its secret.
const prefix = dispatcherPrefix('wkeyrot');
const oldKey = randomBytes(32).toString('base64');
const newKey = randomBytes(32).toString('base64');
const kid = (k: string) => keyId(Buffer.from(k, 'base64'));
let running: RunningDispatcher | null = null;

async function boot(env: Record<string, string>): Promise<RunningDispatcher> {
  await running?.close();
  running = await startDispatcher(dispatcherEnv(prefix, { KAFKA_CONSUMERS_ENABLED: 'false', WEBHOOK_WORKERS_ENABLED: 'false', HEALTH_PROBES_ENABLED: 'false', ...env }));
  return running;
}

/** The key id in each live secret's ciphertext (format 2: version byte, then 8 bytes of key id). */
async function keyIdsInUse(d: RunningDispatcher): Promise<string[]> {
  const rows = (await d.db.query(
    `select encode(substring(ciphertext from 2 for 8), 'hex') as kid from webhook_endpoint_secrets where expires_at is null or expires_at > now() order by id`,
  )) as { kid: string }[];
  return rows.map((r) => r.kid);
}

beforeAll(async () => {
  await migrateDispatcher(prefix);
});

afterAll(async () => {
  await running?.close();
});

it('re-seals every live endpoint secret with the new key at boot, so the old key can then be removed', async () => {
  let d = await boot({ WEBHOOK_SECRET_KEY: oldKey });
  await d.db.query('delete from webhook_endpoints');
  const secrets = new Map<string, string>();
  for (let i = 0; i < 3; i += 1) {
    const created = await api(d.url, 'POST', '/v1/webhooks/endpoints', { url: `http://127.0.0.1:9/hooks/${i}`, events: ['wallet_update'] });
    expect(created.status).toBe(201);
    secrets.set(created.json.id as string, created.json.secret as string);
  }
  // One endpoint mid-rotation of its own secret: the old one still signs for the grace period.
  const [rotatedId] = [...secrets.keys()];
  const rotated = await api(d.url, 'POST', `/v1/webhooks/endpoints/${rotatedId}/rotate-secret`);
  expect(rotated.status).toBe(200);
  secrets.set(rotatedId!, rotated.json.secret as string);
  expect(await keyIdsInUse(d)).toEqual(Array(4).fill(kid(oldKey)));

  // The new key, with the old one as previous: the boot re-seals all four.
  d = await boot({ WEBHOOK_SECRET_KEY: newKey, WEBHOOK_PREVIOUS_SECRET_KEYS: oldKey });
  await waitFor(async () => (await keyIdsInUse(d)).every((k) => k === kid(newKey)), 'every live secret under the new key');
  expect(await d.app.get(SecretReseal).run()).toEqual({ checked: 4, resealed: 0, unreadable: 0 });
  for (const [id, secret] of secrets) expect((await api(d.url, 'GET', `/v1/webhooks/endpoints/${id}/secret`)).json).toEqual({ secret });

  // Started with neither old key nor new one's predecessor: it can't open them, and says so on /metrics.
  const stranger = await boot({ WEBHOOK_SECRET_KEY: randomBytes(32).toString('base64') });
  expect(await stranger.app.get(SecretReseal).run()).toEqual({ checked: 4, resealed: 0, unreadable: 4 });
  expect(await (await fetch(`${stranger.url}/metrics`)).text()).toMatch(/^webhook_secrets_unreadable\{[^}]*\} 4$/m);

  // The old key removed: every endpoint still has its secret.
  d = await boot({ WEBHOOK_SECRET_KEY: newKey });
  for (const [id, secret] of secrets) expect((await api(d.url, 'GET', `/v1/webhooks/endpoints/${id}/secret`)).json).toEqual({ secret });
  expect(await d.app.get(SecretReseal).run()).toEqual({ checked: 4, resealed: 0, unreadable: 0 });
}, 60_000);

it('a previous key that is not a base64 32-byte key stops the service at boot, naming the variable', () => {
  expect(() => dispatcherEnv(prefix, { WEBHOOK_PREVIOUS_SECRET_KEYS: 'not-a-key' })).toThrow('WEBHOOK_PREVIOUS_SECRET_KEYS');
  expect(() => dispatcherEnv(prefix, { WEBHOOK_PREVIOUS_SECRET_KEYS: `${oldKey},` })).toThrow('WEBHOOK_PREVIOUS_SECRET_KEYS');
  expect(dispatcherEnv(prefix, { WEBHOOK_PREVIOUS_SECRET_KEYS: `${oldKey},${newKey}` }).WEBHOOK_PREVIOUS_SECRET_KEYS).toBe(`${oldKey},${newKey}`);
});
