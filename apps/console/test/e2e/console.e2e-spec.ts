import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { mintUserToken } from '@wozamali/auth';
import { Topics } from '@wozamali/contracts';
import { createKafka, TEST_POISON_HEADER } from '@wozamali/messaging';
import { freePort, kafkaBrokers, ROOT, serverUrl, spawnService, uniqueName, waitFor, type SpawnedService } from '@wozamali/testing';
import { axeScan, bearer, callApi, gotoConsole, openConsoleBrowser, text, type ConsoleBrowser } from './harness';

// The admin console in a real browser (Debian's chromium driven by playwright-core) against the real
// platform: the gateway serving /console and proxying to the wallet-service, the webhook-dispatcher
// and the metrics-service (built processes, as `npm start` runs them), on databases of this file's own
// and the test broker (consumer groups of their own, started at the topics' ends).
const exec = promisify(execFile);
const SHOTS = path.join(ROOT, '.run', 'console-screenshots');
const prefix = `${process.env.DB_PREFIX || 'wozamali_test'}_cne2e`;
const ADMIN_KEY = `wm_live_consolee2e_${'Zx9Yw8Vu'.repeat(5)}`;
const ADMIN = { authorization: `Bearer ${ADMIN_KEY}`, 'x-service-id': 'admin' };
const JWT_SECRET = 'console-e2e-jwt-secret-at-least-32-bytes!!';
const PAYOUT_SECRET = `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64')}`;
/** An admin person's token (decisions on withdrawals need a person, not an API key). */
const adminToken = (sub: string) => mintUserToken(JWT_SECRET, { sub, role: 'admin', expiresInSeconds: 3600 });
const services: SpawnedService[] = [];
let gateway: SpawnedService;
let sandbox: SpawnedService;
let browser: ConsoleBrowser;
let page: Page;
let partner: Server;
let partnerUp = false;
let endpointId = '';
/** The dead delivery the webhook test retried (delivered since). */
let retriedDeliveryId = '';
const partnerHits: string[] = [];
const resident = crypto.randomUUID();

/** One API call through the gateway (a 503 is sent again with the same Idempotency-Key: harness.ts). */
const call = (method: string, url: string, body?: unknown, headers: Record<string, string> = ADMIN) => callApi(gateway.url, method, url, body, headers);

/** Topics' ends as the starting offsets of this file's consumer groups (not the history other runs left). */
async function startGroupsAtEnd(groups: string[]): Promise<void> {
  const admin = createKafka(uniqueName('console-e2e-admin'), kafkaBrokers()).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => !t.startsWith('__'));
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      for (const groupId of groups) await admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
    }
  } finally {
    await admin.disconnect();
  }
}

const goto = (hash: string, heading: string | RegExp) => gotoConsole(page, gateway.url, hash, heading);
const axe = (name: string) => axeScan(page, name);

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Signs the browser out and in again with an admin token, through the sign-in form. */
async function signInWithToken(token: string): Promise<void> {
  await page.evaluate(`sessionStorage.clear()`);
  await page.goto(`${gateway.url}/console/#/login`);
  await page.reload();
  await page.getByRole('radio', { name: 'An admin token' }).check();
  await page.getByLabel('Admin token (JWT)').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Welcome to the WozaMali console' }).waitFor();
}

/** Back to the admin API key (the later tests' identity). */
async function signInWithKey(): Promise<void> {
  await page.evaluate(`sessionStorage.setItem('wozamali.console.credentials', ${JSON.stringify(JSON.stringify({ kind: 'api_key', key: ADMIN_KEY, serviceId: 'admin' }))})`);
  await page.goto(`${gateway.url}/console/#/`);
  await page.reload();
  await page.getByRole('heading', { name: 'Welcome to the WozaMali console' }).waitFor();
}

beforeAll(async () => {
  // Chromium is installed by scripts/ensure-chromium.sh (npm test runs it); without it this fails, never skips.
  browser = await openConsoleBrowser(SHOTS);
  page = browser.page;
  const env = { ...process.env, DB_PREFIX: prefix, DATABASE_URL: serverUrl() };
  await exec(process.execPath, [path.join(ROOT, 'scripts/migrate.js'), '--reset', 'wallet-service', 'webhook-dispatcher', 'metrics-service', 'withdrawals-service', 'donations-service', 'rewards-service', 'api-gateway'], { env });
  await startGroupsAtEnd([`${prefix}.webhook-dispatcher`, `${prefix}.metrics-service`]);
  // A partner's webhook receiver: refuses (500) until it is "fixed", then accepts.
  partner = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      partnerHits.push(partnerUp ? 'ok' : 'fail');
      res.writeHead(partnerUp ? 200 : 500).end();
    });
  });
  await new Promise<void>((resolve) => partner.listen(0, '127.0.0.1', resolve));
  // Small pools: the machine's PostgreSQL is shared by many test processes.
  const common = { DB_PREFIX: prefix, WOZAMALI_INFRA_READY: '', DB_POOL_SIZE: '4' };
  const started = await Promise.all([
    spawnService('wallet-service', await freePort(), common),
    spawnService('webhook-dispatcher', await freePort(), { ...common, WEBHOOK_ALLOW_LOOPBACK: 'true', WEBHOOK_RETRY_SCHEDULE: '100ms,200ms', WEBHOOK_POLL_INTERVAL_MS: '50', HEALTH_PROBES_ENABLED: 'false' }),
  ]);
  services.push(...started);
  const [wallet, webhooks] = started;
  // The metrics-service reads the wallet's day report for its reconciliation.
  const metrics = await spawnService('metrics-service', await freePort(), { ...common, WALLET_SERVICE_URL: wallet!.url });
  services.push(metrics);
  const gatewayPort = await freePort();
  // The payment provider's sandbox calls back through the gateway's one unauthenticated route.
  sandbox = await spawnService('payout-sandbox', await freePort(), {
    PAYOUT_SANDBOX_CALLBACK_URL: `http://127.0.0.1:${gatewayPort}/v1/withdrawals/payout-callbacks`, PAYOUT_SANDBOX_WEBHOOK_SECRET: PAYOUT_SECRET,
    PAYOUT_SANDBOX_PROCESSING_AFTER_MS: '100', PAYOUT_SANDBOX_SETTLE_AFTER_MS: '300', PAYOUT_SANDBOX_CALLBACK_RETRY_MS: '200,500,1000,2000,4000,8000',
  });
  const withdrawals = await spawnService('withdrawals-service', await freePort(), {
    ...common, WALLET_SERVICE_URL: wallet!.url, PAYOUT_PROVIDER_URL: sandbox.url, PAYOUT_WEBHOOK_SECRET: PAYOUT_SECRET,
    WITHDRAWAL_DESTINATION_KEY: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64'),
    WITHDRAWAL_WORKER_INTERVAL_MS: '200', PAYOUT_POLL_FAST_MS: '200', PAYOUT_LEASE_MS: '1000', PAYOUT_TIMEOUT_MS: '15000',
  });
  const donations = await spawnService('donations-service', await freePort(), { ...common, WALLET_SERVICE_URL: wallet!.url, WRITE_CONCURRENCY: '2' });
  const rewards = await spawnService('rewards-service', await freePort(), { ...common, WALLET_SERVICE_URL: wallet!.url, KAFKA_CONSUMERS_ENABLED: 'false' });
  services.push(withdrawals, sandbox, donations, rewards);
  gateway = await spawnService('api-gateway', gatewayPort, {
    ...common, GATEWAY_PORT: String(gatewayPort), NODE_ENV: 'test', ADMIN_API_KEY: ADMIN_KEY, JWT_SECRET,
    WALLET_SERVICE_URL: wallet!.url, WEBHOOKS_SERVICE_URL: webhooks!.url, METRICS_SERVICE_URL: metrics.url, WITHDRAWALS_SERVICE_URL: withdrawals.url, DONATIONS_SERVICE_URL: donations.url, REWARDS_SERVICE_URL: rewards.url, REDIS_KEY_PREFIX: uniqueName('console-e2e'),
    OUTBOX_RELAY_ENABLED: 'false', KAFKA_CONSUMERS_ENABLED: 'false',
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
  await Promise.all(services.map((s) => s.stop()));
  await new Promise((resolve) => (partner ? partner.close(resolve) : resolve(null)));
}, 60_000);

describe('the admin console in headless Chromium', () => {
  // What the page showed at the end of each test (kept with the screenshots, for a failure's diagnosis).
  let step = 0;
  afterEach(async () => {
    step += 1;
    if (page) await page.screenshot({ path: path.join(SHOTS, 'after-each', `${String(step).padStart(2, '0')}.png`), fullPage: true }).catch(() => undefined);
  });

  it('is served at /console with a strict Content-Security-Policy and no credentials', async () => {
    const res = await fetch(`${gateway.url}/console/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    expect(html).not.toMatch(/https?:\/\//); // nothing from a CDN
    const asset = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await fetch(`${gateway.url}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    // The API itself still demands credentials.
    expect((await fetch(`${gateway.url}/v1/api-keys`)).status).toBe(401);
  });

  it('refuses a wrong key with the API’s message, then signs in with the admin key (kept in sessionStorage only)', async () => {
    await page.goto(`${gateway.url}/console/`);
    await page.getByRole('heading', { name: 'WozaMali console' }).waitFor({ timeout: 60_000 });
    await shot('sign-in');
    await page.locator('input[name="api_key"]').fill('wm_live_nobody_notakey');
    await page.getByLabel('Service ID (X-Service-ID)').fill('admin');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').first().waitFor();
    expect(text(await page.getByRole('alert').first().textContent())).toMatch(/invalid|unknown|credential|key/i);
    await shot('sign-in-refused');
    await axe('sign-in');
    await page.locator('input[name="api_key"]').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Welcome to the WozaMali console' }).waitFor();
    const stored = await page.evaluate<{ session: string[]; local: string[] }>(`({ session: Object.keys(sessionStorage), local: Object.keys(localStorage).filter((k) => (localStorage.getItem(k) || '').includes('wm_live_')) })`);
    expect(stored.session).toContain('wozamali.console.credentials');
    expect(stored.local).toEqual([]);
  }, 60_000);

  it('looks up a resident after an earn: balance in rands, tier, transactions; an adjustment with a reason moves the balance', async () => {
    const earned = await call('POST', `/v1/users/${resident}/points/earn`, { points: 40, amount: 123450, reason: 'console e2e earn' });
    expect(earned.status).toBe(201);
    await goto('/residents', 'Residents');
    await page.getByLabel('Resident id').fill(resident);
    await page.getByRole('button', { name: 'Look up' }).click();
    const wallet = page.getByTestId('wallet');
    await wallet.waitFor();
    await waitFor(async () => text(await wallet.innerText()).includes('Balance R 1 234,50'), 'the balance R 1 234,50', 30_000, 200);
    expect(text(await wallet.innerText())).toContain(`Tier ${earned.body.wallet.tier}`);
    await page.getByRole('cell', { name: 'console e2e earn' }).waitFor();

    await page.getByLabel('Amount (R)').fill('-34,50');
    await page.getByLabel('Reason').fill('duplicate payment corrected');
    await page.getByRole('button', { name: 'Post adjustment' }).click();
    await waitFor(async () => text(await wallet.innerText()).includes('Balance R 1 200,00'), 'the balance after the adjustment', 30_000, 200);
    expect((await call('GET', `/v1/wallets/${resident}`)).body.balance).toBe(120000);
  }, 90_000);

  it('creates an API key with permissions and shows it once; the key works and is never shown again', async () => {
    await goto('/api-keys/create', 'Create an API key');
    const name = uniqueName('console key');
    await page.getByRole('textbox', { name: /^Name/ }).fill(name);
    await page.getByRole('textbox', { name: /^Service ID/ }).fill('console-e2e');
    await page.getByRole('group', { name: 'wallets' }).getByLabel('read').check();
    await page.getByRole('button', { name: 'Save' }).click();
    const field = page.getByTestId('new-api-key');
    await field.waitFor();
    const key = await field.inputValue();
    expect(key).toMatch(/^wm_live_[A-Za-z0-9]+_/);
    // The key is real and has exactly what was ticked.
    const headers = { authorization: `Bearer ${key}`, 'x-service-id': 'console-e2e' };
    expect((await call('GET', `/v1/wallets/${resident}`, undefined, headers)).status).toBe(200);
    expect((await call('GET', '/v1/tiers', undefined, headers)).status).toBe(403);
    await page.getByRole('button', { name: 'I have stored it' }).click();
    await page.getByRole('cell', { name, exact: true }).waitFor();
    expect(await page.content()).not.toContain(key);
    const listed = (await call('GET', '/v1/api-keys')).body.data.find((k: any) => k.name === name);
    expect(listed).toMatchObject({ service_id: 'console-e2e', permissions: { wallets: ['read'] }, status: 'active' });
    expect(JSON.stringify(listed)).not.toContain(key);
  }, 60_000);

  it('retries a dead webhook delivery once the partner is fixed', async () => {
    const endpoint = await call('POST', '/v1/webhooks/endpoints', { url: `http://127.0.0.1:${(partner.address() as AddressInfo).port}/hooks`, events: ['wallet_update'], description: 'console e2e partner' });
    expect(endpoint.status).toBe(201);
    const id = endpoint.body.id as string;
    endpointId = id;
    expect((await call('POST', `/v1/users/${crypto.randomUUID()}/points/earn`, { points: 5, reason: 'for the webhook' })).status).toBe(201);
    const dead = await waitFor(async () => (await call('GET', `/v1/webhooks/endpoints/${id}/deliveries?status=dead`)).body.data[0], 'a dead delivery', 150_000, 250);
    partnerUp = true;
    retriedDeliveryId = dead.id;
    await goto(`/webhook-endpoints/${id}/show`, 'Deliveries');
    await page.getByRole('button', { name: `Retry delivery ${dead.id}` }).click();
    await waitFor(async () => (await call('GET', `/v1/webhooks/deliveries/${dead.id}`)).body.status === 'delivered', 'the retried delivery delivered', 30_000, 250);
    expect(partnerHits).toContain('ok');
    await page.reload();
    await page.getByRole('cell', { name: 'delivered' }).first().waitFor();
  }, 240_000);

  it('sends a test event to the endpoint from its page; the delivery’s attempt log shows the partner’s answer', async () => {
    const before = partnerHits.length;
    await goto(`/webhook-endpoints/${endpointId}/show`, 'Deliveries');
    await page.getByRole('button', { name: 'Send a test event' }).click();
    await waitFor(() => partnerHits.length > before, 'the partner to get the test event', 60_000, 100);
    const delivered = await waitFor(async () => {
      const list = (await call('GET', `/v1/webhooks/endpoints/${endpointId}/deliveries?status=delivered`)).body.data as { id: string; attempt_count: number }[];
      return list.find((d) => d.attempt_count === 1) ?? null;
    }, 'the test delivery delivered', 60_000, 250);
    await page.reload();
    await page.getByRole('button', { name: `Attempts of delivery ${delivered.id}` }).click();
    const dialog = page.getByRole('dialog', { name: /^Attempts of the/ });
    await dialog.getByRole('cell', { name: '200', exact: true }).waitFor();
    await shot('delivery-attempts');
    await axe('delivery attempts dialog');
    await dialog.getByRole('button', { name: 'Close' }).click();
  }, 150_000);

  it('a chart’s table view shows the figures the metrics API gives', async () => {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Africa/Johannesburg' }).format(new Date());
    // The earns above reach the metrics-service through Kafka.
    const api = await waitFor(async () => {
      const r = await call('GET', `/v1/metrics/system?from=${today}&to=${today}&granularity=day`);
      const day = r.body.days?.find((d: any) => d.date === today);
      return day && day.points_earned >= 45 ? day : null;
    }, 'today’s points in the metrics', 60_000, 500);
    await goto('/programme', 'Programme');
    const card = page.locator('[data-chart="points-flows"]');
    await card.getByRole('button', { name: 'Show table' }).click();
    const row = card.getByTestId('points-flows-table').getByRole('row', { name: new RegExp(`^${today}`) });
    await row.waitFor();
    const cells = (await row.getByRole('cell').allTextContents()).map(text);
    const fmt = (n: number) => text(new Intl.NumberFormat('en-ZA', { maximumFractionDigits: 3 }).format(n));
    expect(cells).toEqual([fmt(api.points_earned), fmt(api.points_spent)]);
    // And its CSV holds the same figures.
    const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: /^Download CSV of/ }).click()]);
    const csvPath = path.join(SHOTS, 'points-flows.csv');
    await download.saveAs(csvPath);
    const csv = readFileSync(csvPath, 'utf8');
    expect(csv).toContain(`${today},${api.points_earned},${api.points_spent}`);
  }, 90_000);

  // ---- Withdrawals: four eyes in the browser, and the payout that follows ----
  const admin1 = crypto.randomUUID();
  const admin2 = crypto.randomUUID();
  const admin3 = crypto.randomUUID();
  const payee = crypto.randomUUID();
  const account = `40${String(Date.now()).slice(-8)}`;
  let bigId = '';
  let ownId = '';
  const wallet = async (user: string) => (await call('GET', `/v1/wallets/${user}`)).body as { balance: number; held: number; available: number; points: number };

  it('two different admins approve a withdrawal above the threshold (the second with the keyboard alone); the held money becomes a payout', async () => {
    expect((await call('POST', `/v1/users/${payee}/points/earn`, { points: 1, amount: 300_000, reason: 'console e2e funding' })).status).toBe(201);
    const threshold = (await call('GET', '/v1/withdrawals/limits')).body.two_approvals_from as number;
    expect(250_000).toBeGreaterThanOrEqual(threshold);
    const asked = await call('POST', `/v1/users/${payee}/withdrawals`, { amount: 250_000, currency: 'ZAR', method: 'bank_transfer', destination: { bank_name: 'Capitec', account_holder: 'Thandi Nkosi', account_number: account, branch_code: '470010' } }, bearer(mintUserToken(JWT_SECRET, { sub: payee, role: 'resident', expiresInSeconds: 600 })));
    expect(asked.status).toBe(201);
    bigId = asked.body.id;
    expect(await wallet(payee)).toMatchObject({ held: 250_000 });

    // The first admin, signed in with a token through the form.
    await signInWithToken(adminToken(admin1));
    await goto('/withdrawals', 'Withdrawals');
    await page.getByRole('button', { name: `Approve withdrawal ${bigId}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Approve withdrawal of R 2 500,00' });
    await dialog.waitFor();
    const facts = text(await dialog.getByTestId('decision-facts').innerText());
    expect(facts).toContain('R 2 500,00');
    expect(facts).toContain(`****${account.slice(-4)}`);
    expect(facts).not.toContain(account);
    expect(text(await dialog.innerText())).toContain('needs two approvers');
    // The note is required: nothing is sent without it.
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await dialog.getByText('A note is required').waitFor();
    await shot('withdrawal-approve-dialog');
    await axe('withdrawal approve dialog');
    expect((await call('GET', `/v1/withdrawals/${bigId}`)).body.approvals).toEqual([]);
    await dialog.getByLabel('Note (required)').fill('bank letter checked');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const first = await waitFor(async () => { const w = (await call('GET', `/v1/withdrawals/${bigId}`)).body; return w.approvals.length === 1 ? w : null; }, 'the first approval', 30_000, 200);
    expect(first).toMatchObject({ status: 'pending', approvals: [admin1] });
    // The same admin may not give the second approval: the button says why.
    const row = page.getByRole('row').filter({ has: page.getByRole('button', { name: `Reject withdrawal ${bigId}` }) });
    await row.getByText('Needs a second approver (1 of 2)').waitFor();
    expect(await row.getByRole('button', { name: `Approve withdrawal ${bigId}` }).isDisabled()).toBe(true);
    expect(text(await row.getByTestId('why-not-approve').innerText())).toBe('You approved it already: a second admin must approve');
    await shot('withdrawals-after-first-approval');

    // The second admin, keyboard only: Tab to the row's Approve button, Enter, type the note, Tab to Approve, Enter.
    await signInWithToken(adminToken(admin2));
    await goto('/withdrawals', 'Withdrawals');
    await page.getByRole('button', { name: `Approve withdrawal ${bigId}` }).waitFor();
    let reached = false;
    for (let i = 0; i < 80 && !reached; i += 1) {
      await page.keyboard.press('Tab');
      reached = (await page.evaluate<string | null>(`document.activeElement && document.activeElement.getAttribute('aria-label')`)) === `Approve withdrawal ${bigId}`;
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Enter');
    const dialog2 = page.getByRole('dialog', { name: 'Approve withdrawal of R 2 500,00' });
    await dialog2.waitFor();
    expect(text(await dialog2.innerText())).toContain('Needs a second approver (1 of 2)');
    await page.keyboard.type('second pair of eyes');
    expect(await dialog2.getByLabel('Note (required)').inputValue()).toBe('second pair of eyes');
    await page.keyboard.press('Tab'); // Cancel
    await page.keyboard.press('Tab'); // Approve
    expect(await page.evaluate<string | null>(`document.activeElement && document.activeElement.textContent`)).toBe('Approve');
    await page.keyboard.press('Enter');
    await dialog2.waitFor({ state: 'hidden' });

    // The platform pays: the hold is posted, the sandbox holds exactly one payout for it.
    await waitFor(async () => (await call('GET', `/v1/withdrawals/${bigId}`)).body.status === 'completed', 'the payout completed', 90_000, 250);
    expect(await wallet(payee)).toMatchObject({ balance: 50_000, held: 0, available: 50_000 });
    const payouts = (await (await fetch(`${sandbox.url}/v1/payouts?reference=${bigId}`)).json()) as { data: unknown[] };
    expect(payouts.data).toHaveLength(1);
    const history = (await call('GET', `/v1/withdrawals/${bigId}`)).body.history as { action: string; actor: string }[];
    expect(history.filter((h) => h.action === 'first_approval' || h.action === 'approve').map((h) => h.actor)).toEqual([admin1, admin2]);
    // And the console shows it completed, with its history.
    await goto(`/withdrawals/${bigId}/show`, 'History');
    await page.getByRole('cell', { name: 'second pair of eyes' }).waitFor();
    await waitFor(async () => text(await page.locator('main').innerText()).includes('completed'), 'completed on the page', 30_000, 250);
  }, 240_000);

  it('an admin cannot approve their own request (the reason shown; the API agrees); a 409 names who decided first', async () => {
    expect((await call('POST', `/v1/users/${admin1}/points/earn`, { points: 1, amount: 50_000, reason: 'an admin’s own wallet' })).status).toBe(201);
    const own = await call('POST', `/v1/users/${admin1}/withdrawals`, { amount: 20_000, currency: 'ZAR', method: 'mobile_money', destination: { provider: 'MTN', phone_number: '+27821234567' } }, bearer(adminToken(admin1)));
    expect(own.status).toBe(201);
    ownId = own.body.id;
    await signInWithToken(adminToken(admin1));
    await goto('/withdrawals', 'Withdrawals');
    await page.getByRole('combobox', { name: 'Method' }).click();
    await page.getByRole('option', { name: 'mobile money' }).click();
    const row = page.getByRole('row').filter({ has: page.getByRole('button', { name: `Reject withdrawal ${ownId}` }) });
    await row.waitFor();
    expect(await row.getByRole('button', { name: `Approve withdrawal ${ownId}` }).isDisabled()).toBe(true);
    expect(text(await row.getByTestId('why-not-approve').innerText())).toBe('Your own request: another admin must approve it');
    expect((await call('POST', `/v1/withdrawals/${ownId}/approve`, { note: 'me' }, bearer(adminToken(admin1)))).body.code).toBe('self_approval');
    await shot('withdrawals-own-request');

    // Another admin opens the reject dialog; a third rejects first through the API; the console says who.
    await signInWithToken(adminToken(admin2));
    await goto('/withdrawals', 'Withdrawals');
    await page.getByRole('button', { name: `Reject withdrawal ${ownId}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Reject withdrawal of R 200,00' });
    await dialog.getByLabel('Note (required)').fill('not this one');
    expect((await call('POST', `/v1/withdrawals/${ownId}/reject`, { note: 'duplicate request' }, bearer(adminToken(admin3)))).status).toBe(200);
    await dialog.getByRole('button', { name: 'Reject' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    const said = text(await alert.innerText());
    expect(said).toContain('invalid_transition');
    expect(said).toContain(`reject by ${admin3}`);
    expect(said).toContain('duplicate request');
    await shot('withdrawal-409');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await wallet(admin1)).toMatchObject({ held: 0, balance: 50_000 });
  }, 120_000);

  it('signs in again with the admin API key (the identity of the tests below)', async () => {
    await signInWithKey();
  }, 60_000);

  it('the exceptions page: a withdrawal in review with its actions, a day’s reconciliation as the metrics API gives it, dead deliveries', async () => {
    const someone = crypto.randomUUID();
    expect((await call('POST', `/v1/users/${someone}/points/earn`, { points: 1, amount: 20_000, reason: 'console e2e funding' })).status).toBe(201);
    const asked = await call('POST', `/v1/users/${someone}/withdrawals`, { amount: 12_345, currency: 'ZAR', method: 'paypal', destination: { email: 'someone.console@example.com' } }, bearer(mintUserToken(JWT_SECRET, { sub: someone, role: 'resident', expiresInSeconds: 600 })));
    expect(asked.status).toBe(201);
    expect(asked.body.status).toBe('in_review');
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Africa/Johannesburg' }).format(new Date());
    await goto('/exceptions', 'Dead webhook deliveries');
    const section = page.locator('[data-section="withdrawal-exceptions"]');
    const row = section.getByRole('row').filter({ hasText: 'R 123,45' });
    await row.waitFor();
    expect(text(await row.innerText())).toContain('paypal: email: s***@example.com');
    // Signed in with the API key: the decisions are there, disabled, with the reason.
    expect(await row.getByRole('button', { name: `Approve withdrawal ${asked.body.id}` }).isDisabled()).toBe(true);
    expect(text(await row.getByTestId('why-not-approve').innerText())).toContain('Decisions need an admin token');
    // A day's reconciliation: the figures the metrics API gives.
    await page.getByLabel('Day (SAST)').fill(today);
    await page.getByRole('button', { name: 'Check the day' }).click();
    const answer = await call('GET', `/v1/metrics/reconciliation?date=${today}`);
    expect(answer.status).toBe(200);
    const summary = page.getByTestId('metrics-reconciliation');
    await waitFor(async () => text(await summary.innerText()).startsWith(`${today}:`), 'today’s reconciliation', 90_000, 500);
    expect(text(await summary.innerText())).toContain(`${answer.body.users_compared} residents compared, ${answer.body.differences.length === 0 ? 'no differences' : `${answer.body.differences.length} differences`}`);
    // Dead deliveries: the one retried above is delivered now, so it is not listed. (Others may be: on a
    // loaded machine the dispatcher can fan out earlier events to the partner's endpoint while it was down.)
    const dead = page.locator('[data-section="dead-deliveries"]');
    await dead.getByText('None.').or(dead.getByRole('table')).first().waitFor({ timeout: 120_000 });
    expect(retriedDeliveryId).not.toBe('');
    expect(await dead.getByRole('button', { name: `Retry delivery ${retriedDeliveryId}` }).count()).toBe(0);
    await shot('exceptions-checked');
  }, 240_000);

  it('the audit log lists the two approvals and the adjustment with their notes; its filters narrow it; the export is a CSV of what is shown', async () => {
    await goto('/audit-log', 'Audit log');
    await page.getByLabel('On (an id)').fill(bigId);
    const first = page.getByRole('row').filter({ hasText: 'bank letter checked' });
    await first.waitFor();
    expect(text(await first.innerText())).toContain(`admin ${admin1}`);
    expect(text(await first.innerText())).toContain('POST /v1/withdrawals/{withdrawal_id}/approve');
    expect(text(await first.innerText())).toContain('succeeded (200)');
    await page.getByRole('row').filter({ hasText: 'second pair of eyes' }).waitFor();
    // The filter applies once its input settles: the adjustment (on another id) leaves the list.
    await page.getByRole('row').filter({ hasText: 'duplicate payment corrected' }).waitFor({ state: 'detached' });
    await shot('audit-log-approvals');

    await page.getByLabel('On (an id)').fill(resident);
    await page.getByLabel('Action contains').fill('adjustments');
    const adjustment = page.getByRole('row').filter({ hasText: 'duplicate payment corrected' });
    await adjustment.waitFor();
    await page.getByRole('row').filter({ hasText: 'bank letter checked' }).waitFor({ state: 'detached' });
    expect(text(await adjustment.innerText())).toContain('key consolee2e (admin)');
    expect(text(await adjustment.innerText())).toContain('POST /v1/admin/adjustments');
    await axe('audit log filtered');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('When (UTC),Who,Action,Permission,On,Outcome,Note,Request id');
    expect(csv).toContain('duplicate payment corrected');
    expect(csv).not.toContain('bank letter checked');
  }, 90_000);

  let deadLetterId = '';
  it('an event poisoned on purpose is dead-lettered by the dispatcher and listed on the exceptions page with its replay; replayed, it fails again and is listed as such', async () => {
    const eventId = crypto.randomUUID();
    const producer = createKafka(uniqueName('console-e2e-poison'), kafkaBrokers()).producer();
    await producer.connect();
    // An envelope without its source, subject or time: every consumer of the topic gives up on it at once.
    await producer.send({ topic: Topics.webhooks, messages: [{ key: eventId, value: JSON.stringify({ id: eventId, type: 'webhook_delivery_failed', version: 'one' }), headers: { [TEST_POISON_HEADER]: 'console-e2e' } }] });
    await producer.disconnect();
    const listed = async () => ((await call('GET', `/v1/dead-letters?topic=${Topics.webhooks}&limit=100`)).body.data as { id: string; consumer: string; event_id: string | null; replayed_from: string | null }[]).filter((d) => d.event_id === eventId);
    const [letter] = await waitFor(async () => { const l = await listed(); return l.length > 0 ? l : null; }, 'the dead letter in the API', 60_000, 500);
    deadLetterId = letter!.id;
    // The dispatcher's inbox consumer is named after its consumer group (`<DB_PREFIX>.webhook-dispatcher`).
    const consumer = letter!.consumer;
    expect(consumer).toMatch(/webhook-dispatcher$/);

    await goto('/exceptions', 'Dead-lettered events');
    const section = page.locator('[data-section="dead-letters"]');
    const row = section.locator(`[data-dead-letter="${deadLetterId}"]`);
    await row.waitFor({ timeout: 60_000 });
    const shown = text(await row.innerText());
    expect(shown).toContain(Topics.webhooks);
    expect(shown).toContain(consumer);
    expect(shown).toContain(`webhook_delivery_failed ${eventId} (test poison)`);
    expect(shown).toContain('invalid envelope');
    await shot('exceptions-dead-letter');
    await axe('exceptions with a dead letter');

    await row.getByRole('button', { name: `Replay dead letter ${deadLetterId} to ${consumer}` }).click();
    await page.getByText(`Event replayed to ${consumer}`).waitFor();
    // Still malformed, so the dispatcher gives up on it again: a second dead letter, marked as a replay of the first.
    const again = await waitFor(async () => (await listed()).find((d) => d.replayed_from !== null) ?? null, 'the replayed event dead-lettered again', 60_000, 500);
    expect(again.replayed_from).toBe(`${Topics.webhooks}.dlq[${deadLetterId.split('-').at(-2)}]@${deadLetterId.split('-').at(-1)}`);
    await goto('/exceptions', 'Dead-lettered events');
    await section.locator(`[data-dead-letter="${again.id}"]`).filter({ hasText: 'failed again after a replay' }).waitFor({ timeout: 60_000 });
    // At 375 px the section's table scrolls inside its region, and axe still passes with the rows shown.
    await page.setViewportSize({ width: 375, height: 812 });
    await goto('/exceptions', 'Dead-lettered events');
    await page.keyboard.press('Escape');
    await section.locator(`[data-dead-letter="${again.id}"]`).waitFor({ timeout: 60_000 });
    await shot('exceptions-dead-letters-375');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBe(375);
    await axe('exceptions with dead letters at 375 px');
    await page.setViewportSize({ width: 1280, height: 900 });
    // The replay is in the audit log, on the dead letter it replayed.
    const audit = (await call('GET', `/v1/audit-log?target=${deadLetterId}`)).body.data as { route: string; status: number }[];
    expect(audit).toEqual([expect.objectContaining({ route: '/v1/dead-letters/{dead_letter_id}/replay', status: 202 })]);
  }, 180_000);

  let campaignId = '';
  it('creates a campaign in the form; its progress bar moves after a donation and back after a refund; an edit is saved', async () => {
    const name = uniqueName('Console campaign');
    await goto('/campaigns/create', 'Create a campaign');
    await page.getByRole('textbox', { name: /^Name/ }).fill(name);
    await page.getByRole('textbox', { name: /^Beneficiary/ }).fill('Kayamandi school garden');
    await page.getByRole('textbox', { name: /^Target \(R\)/ }).fill('1 000,00');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/#\/campaigns\/[^/]+\/show$/);
    campaignId = decodeURIComponent(/#\/campaigns\/([^/]+)\/show$/.exec(page.url())![1]!);
    const created = (await call('GET', `/v1/donations/campaigns/${campaignId}`)).body;
    expect(created).toMatchObject({ name, beneficiary: 'Kayamandi school garden', target_amount: 100_000, status: 'active' });
    const bar = page.getByRole('progressbar', { name: `Progress of ${name}` });
    await bar.waitFor();
    expect(await bar.getAttribute('aria-valuenow')).toBe('0');
    expect(text(await page.getByTestId(`progress-${campaignId}`).innerText())).toContain('R 0,00 of R 1 000,00 (0%)');

    // A resident donates R 250,00 through the API.
    const donor = crypto.randomUUID();
    expect((await call('POST', `/v1/users/${donor}/points/earn`, { points: 1, amount: 50_000, reason: 'console e2e funding' })).status).toBe(201);
    const donated = await call('POST', `/v1/users/${donor}/donations`, { campaign_id: campaignId, amount: 25_000 }, bearer(mintUserToken(JWT_SECRET, { sub: donor, role: 'resident', expiresInSeconds: 600 })));
    expect(donated.status).toBe(201);
    await waitFor(async () => {
      await page.reload();
      await bar.waitFor();
      return (await bar.getAttribute('aria-valuenow')) === '25';
    }, 'the progress bar at 25%', 60_000, 500);
    expect(text(await page.getByTestId(`progress-${campaignId}`).innerText())).toContain('R 250,00 of R 1 000,00 (25%)');
    await page.getByRole('cell', { name: donor }).waitFor();
    await shot('campaign-show');

    // Refund it (a reason is required): the money goes back and the bar drops.
    await page.getByRole('button', { name: `Refund donation ${donated.body.id}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Refund R 250,00?' });
    await dialog.getByRole('button', { name: 'Refund' }).click();
    await dialog.getByText('A reason is required').waitFor();
    await dialog.getByLabel('Reason (required)').fill('donated twice by mistake');
    await dialog.getByRole('button', { name: 'Refund' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await waitFor(async () => (await call('GET', `/v1/donations/${donated.body.id}`)).body.status === 'refunded', 'the donation refunded', 30_000, 250);
    await waitFor(async () => {
      await page.reload();
      await bar.waitFor();
      return (await bar.getAttribute('aria-valuenow')) === '0';
    }, 'the progress bar back at 0%', 60_000, 500);
    expect(await wallet(donor)).toMatchObject({ balance: 50_000 });

    // Edit: the name changes.
    await goto(`/campaigns/${campaignId}`, 'Edit campaign');
    await page.getByRole('textbox', { name: /^Name/ }).fill(`${name} (edited)`);
    await page.getByRole('button', { name: 'Save' }).click();
    await waitFor(async () => (await call('GET', `/v1/donations/campaigns/${campaignId}`)).body.name === `${name} (edited)`, 'the edit saved', 30_000, 250);
  }, 180_000);

  let rewardId = '';
  it('adds a reward in the form, changes its stock with a reason (a stock movement), and cancels a resident’s issued reward', async () => {
    const code = `CONSOLE_${Date.now().toString(36).toUpperCase()}`;
    await goto('/rewards/create', 'Add a reward');
    await page.getByRole('textbox', { name: /^Code/ }).fill(code);
    await page.getByRole('textbox', { name: /^Name/ }).fill('Reusable shopping bag');
    await page.getByRole('spinbutton', { name: /^Points cost/ }).fill('30');
    await page.getByRole('spinbutton', { name: /^Stock/ }).fill('5');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/#\/rewards\/[^/]+\/show$/);
    rewardId = decodeURIComponent(/#\/rewards\/([^/]+)\/show$/.exec(page.url())![1]!);
    expect((await call('GET', `/v1/rewards/${rewardId}`)).body).toMatchObject({ code, points_cost: 30, stock: 5, stock_remaining: 5 });
    await goto(`/rewards/${rewardId}`, 'Edit reward');
    await page.getByRole('spinbutton', { name: /^Stock/ }).fill('8');
    await page.getByRole('textbox', { name: /^Why the stock changes/ }).fill('three more delivered');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/#\/rewards\/[^/]+\/show$/);
    await page.getByRole('cell', { name: 'three more delivered' }).waitFor();
    expect((await call('GET', `/v1/rewards/${rewardId}`)).body).toMatchObject({ stock: 8 });
    await shot('reward-show');

    // A resident redeems it; the office cancels the issued reward with a reason: the points come back.
    const member = crypto.randomUUID();
    expect((await call('POST', `/v1/users/${member}/points/earn`, { points: 100, reason: 'console e2e points' })).status).toBe(201);
    const redeemed = await call('POST', `/v1/users/${member}/rewards`, { reward_id: rewardId }, bearer(mintUserToken(JWT_SECRET, { sub: member, role: 'resident', expiresInSeconds: 600 })));
    expect(redeemed.status).toBe(201);
    const issued = await waitFor(async () => (await call('GET', `/v1/users/${member}/rewards`)).body.data?.[0], 'the issued reward', 30_000, 250);
    expect((await wallet(member)).points).toBe(70);
    await goto('/issued-rewards', 'Issued rewards');
    await page.getByLabel('Resident id').fill(member);
    await page.getByRole('button', { name: 'Show rewards' }).click();
    await page.getByRole('button', { name: `Cancel issued reward ${issued.id}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Cancel “Reusable shopping bag”?' });
    await dialog.getByLabel('Reason (required)').fill('shop closed');
    await dialog.getByRole('button', { name: 'Cancel reward' }).click();
    await page.getByRole('cell', { name: 'cancelled (shop closed)' }).waitFor();
    await waitFor(async () => (await wallet(member)).points === 100, 'the points back', 30_000, 250);
    await shot('issued-rewards');
  }, 120_000);

  it('publishes a new version of the impact factors from the form', async () => {
    const before = (await call('GET', '/v1/metrics/impact-factors')).body;
    await goto('/impact-factors', 'Publish a new version');
    await page.getByRole('button', { name: 'Add a material' }).click();
    const n = before.versions.find((v: any) => v.version === before.current)?.materials.length ?? 0;
    await page.getByLabel(`Material ${n + 1}`).fill('CONSOLE_TEST');
    await page.getByLabel('CONSOLE_TEST: CO2e g/kg').fill('1234');
    await page.getByLabel('CONSOLE_TEST: water ml/kg').fill('56');
    await page.getByRole('button', { name: 'Publish version' }).click();
    await page.getByText('The source is required (a study, a body, a document)').waitFor();
    await page.getByLabel('Source (required)').fill('console e2e study');
    await page.getByRole('button', { name: 'Publish version' }).click();
    const after = await waitFor(async () => { const b = (await call('GET', '/v1/metrics/impact-factors')).body; return b.versions.length > before.versions.length ? b : null; }, 'a new version', 30_000, 250);
    const latest = after.versions[after.versions.length - 1];
    expect(latest).toMatchObject({ source: 'console e2e study' });
    expect(latest.materials).toContainEqual({ material: 'CONSOLE_TEST', co2_g_per_kg: 1234, water_ml_per_kg: 56 });
    await page.getByRole('cell', { name: 'CONSOLE_TEST' }).waitFor();
  }, 60_000);

  const PAGES: [string, string, string | RegExp][] = [
    ['dashboard', '/', 'Welcome to the WozaMali console'],
    ['withdrawals', '/withdrawals', 'Withdrawals'],
    ['withdrawal-show', '/withdrawals/BIG/show', 'History'],
    ['exceptions', '/exceptions', 'Dead webhook deliveries'],
    ['campaigns', '/campaigns', 'Campaigns'],
    ['campaign-create', '/campaigns/create', 'Create a campaign'],
    ['campaign-show', '/campaigns/CAMPAIGN/show', 'Donations'],
    ['campaign-edit', '/campaigns/CAMPAIGN', 'Edit campaign'],
    ['rewards', '/rewards', 'Rewards'],
    ['reward-create', '/rewards/create', 'Add a reward'],
    ['reward-show', '/rewards/REWARD/show', 'Stock movements'],
    ['issued-rewards', '/issued-rewards', 'Issued rewards'],
    ['impact-factors', '/impact-factors', 'Publish a new version'],
    ['residents', `/residents/${resident}`, 'Transactions'],
    ['rates', '/rates', 'Rate card & tiers'],
    ['webhook-endpoints', '/webhook-endpoints', 'Webhook endpoints'],
    ['external-services', '/external-services', 'Health'],
    ['api-keys', '/api-keys', 'API keys'],
    ['api-key-create', '/api-keys/create', 'Create an API key'],
    ['programme', '/programme', 'Leaderboard'],
    ['audit-log', '/audit-log', 'Audit log'],
  ];

  it('every page has no serious or critical axe violation (screenshots kept)', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    for (const [name, rawHash, heading] of PAGES) {
      const hash = rawHash.replace('BIG', bigId).replace('CAMPAIGN', campaignId).replace('REWARD', rewardId);
      await goto(hash, heading);
      await page.waitForLoadState('networkidle');
      await shot(name);
      await axe(name);
    }
  }, 180_000);

  it('is usable at 375 px: no page scrolls sideways and axe still passes', async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    for (const [name, rawHash, heading] of PAGES) {
      const hash = rawHash.replace('BIG', bigId).replace('CAMPAIGN', campaignId).replace('REWARD', rewardId);
      await goto(hash, heading);
      await page.keyboard.press('Escape'); // the menu drawer, if it was left open, closes
      await page.waitForLoadState('networkidle');
      await shot(`${name}-375`);
      const width = await page.evaluate<number>('document.documentElement.scrollWidth');
      expect({ name, width }).toEqual({ name, width: 375 });
      await axe(`${name} at 375 px`);
    }
  }, 180_000);

  it('at 375 px, after the window shrank from desktop width in the same tab, the menu button opens the drawer and a menu item navigates', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await goto('/', 'Welcome to the WozaMali console');
    await page.getByRole('menuitem', { name: 'Withdrawals' }).waitFor(); // the docked menu, open
    await page.setViewportSize({ width: 375, height: 812 });
    // No layer covers the page: the header's menu button is what a click at its centre hits.
    const button = page.getByRole('button', { name: 'Open menu' });
    await button.waitFor();
    const box = (await button.boundingBox())!;
    const hit = await page.evaluate<string | null>(`(() => { const e = document.elementFromPoint(${box.x + box.width / 2}, ${box.y + box.height / 2}); return e && e.closest('button') ? e.closest('button').getAttribute('aria-label') : null; })()`);
    expect(hit).toBe('Open menu');
    expect(await page.locator('.MuiBackdrop-root').filter({ visible: true }).count()).toBe(0);
    await button.click();
    const item = page.getByRole('menuitem', { name: 'Withdrawals' });
    await item.waitFor({ state: 'visible' });
    await shot('menu-drawer-375');
    await axe('menu drawer at 375 px');
    await item.click();
    await page.locator('h1, h2, h3, h4, h5, h6', { hasText: 'Withdrawals' }).filter({ visible: true }).first().waitFor();
    // The drawer closed after the choice, and opens again with one click.
    await waitFor(async () => (await page.locator('.MuiBackdrop-root').filter({ visible: true }).count()) === 0, 'the drawer closed', 10_000, 100);
    await page.getByRole('button', { name: 'Open menu' }).click();
    await page.getByRole('menuitem', { name: 'API keys' }).waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
  }, 60_000);

  it('no page threw an uncaught error', () => {
    expect(browser.pageErrors).toEqual([]);
  });

  it('signs out: the credentials leave the tab', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await goto('/', 'Welcome to the WozaMali console');
    await page.getByRole('button', { name: 'API key (admin)' }).click();
    await page.getByRole('menuitem', { name: 'Logout' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate<string | null>(`sessionStorage.getItem('wozamali.console.credentials')`)).toBeNull();
  }, 60_000);
});
