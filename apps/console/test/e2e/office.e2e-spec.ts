import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { mintUserToken } from '@wozamali/auth';
import { freePort, ROOT, serverUrl, spawnService, uniqueName, type SpawnedService } from '@wozamali/testing';
import { axeScan, bearer, callApi, checkPhone, gotoConsole, openConsoleBrowser, signInAs, text, waitFor, type ConsoleBrowser } from './harness';

// The office's pages in a real browser (Debian's chromium through playwright-core) against the real
// platform (built processes, databases `<DB_PREFIX>_cnoff_*`, the test broker): a resident's rewards,
// donations and withdrawals; the tier ladder and the withdrawal limits edited; a campaign's
// disbursement requested by one admin and approved by another (four eyes) until the payout sandbox
// pays it, another rejected; a campaign cancelled from its page; a payout in review retried; the
// reward edit page. Each page is scanned by axe at 1280 px and at 375 px; screenshots are kept.
const exec = promisify(execFile);
const SHOTS = path.join(ROOT, '.run', 'console-screenshots-office');
const prefix = `${process.env.DB_PREFIX || 'wozamali_test'}_cnoff`;
const ADMIN_KEY = `wm_live_consoleoff_${'Qa7Rb6Sc'.repeat(5)}`;
const ADMIN = { authorization: `Bearer ${ADMIN_KEY}`, 'x-service-id': 'admin' };
const JWT_SECRET = 'console-office-e2e-jwt-secret-at-least-32-bytes!!';
const PAYOUT_SECRET = `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64')}`;
const adminToken = (sub: string) => mintUserToken(JWT_SECRET, { sub, role: 'admin', expiresInSeconds: 3600 });
const residentToken = (sub: string) => bearer(mintUserToken(JWT_SECRET, { sub, role: 'resident', expiresInSeconds: 600 }));
const admin1 = crypto.randomUUID();
const admin2 = crypto.randomUUID();
const services: SpawnedService[] = [];
let gateway: SpawnedService;
let sandbox: SpawnedService;
let browser: ConsoleBrowser;
let page: Page;

const call = (method: string, url: string, body?: unknown, headers: Record<string, string> = ADMIN) => callApi(gateway.url, method, url, body, headers);
const goto = (hash: string, heading: string | RegExp) => gotoConsole(page, gateway.url, hash, heading);
const axe = (name: string) => axeScan(page, name);
const shot = async (name: string) => { await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true }); };
const wallet = async (user: string) => (await call('GET', `/v1/wallets/${user}`)).body as { balance: number; held: number; points: number };
/** The page at 1280 px (screenshot, axe), then at 375 px (no sideways scroll, axe), then back. */
async function scanBothWidths(name: string): Promise<void> {
  await page.waitForLoadState('networkidle');
  await shot(name);
  await axe(name);
  await page.setViewportSize({ width: 375, height: 812 });
  try {
    await checkPhone(page, name, shot);
  } finally {
    await page.setViewportSize({ width: 1280, height: 900 });
  }
}

beforeAll(async () => {
  browser = await openConsoleBrowser(SHOTS);
  page = browser.page;
  const env = { ...process.env, DB_PREFIX: prefix, DATABASE_URL: serverUrl() };
  await exec(process.execPath, [path.join(ROOT, 'scripts/migrate.js'), '--reset', 'wallet-service', 'metrics-service', 'withdrawals-service', 'donations-service', 'rewards-service', 'api-gateway'], { env });
  // Small pools: the machine's PostgreSQL is shared by many test processes.
  const common = { DB_PREFIX: prefix, WOZAMALI_INFRA_READY: '', DB_POOL_SIZE: '3' };
  const wallet = await spawnService('wallet-service', await freePort(), common);
  services.push(wallet);
  const gatewayPort = await freePort();
  sandbox = await spawnService('payout-sandbox', await freePort(), {
    PAYOUT_SANDBOX_CALLBACK_URL: `http://127.0.0.1:${gatewayPort}/v1/withdrawals/payout-callbacks`, PAYOUT_SANDBOX_WEBHOOK_SECRET: PAYOUT_SECRET,
    PAYOUT_SANDBOX_PROCESSING_AFTER_MS: '100', PAYOUT_SANDBOX_SETTLE_AFTER_MS: '300', PAYOUT_SANDBOX_CALLBACK_RETRY_MS: '200,500,1000,2000,4000,8000',
  });
  services.push(sandbox);
  const withdrawalsPort = await freePort();
  const started = await Promise.all([
    spawnService('metrics-service', await freePort(), { ...common, WALLET_SERVICE_URL: wallet.url }),
    spawnService('withdrawals-service', withdrawalsPort, {
      ...common, WALLET_SERVICE_URL: wallet.url, PAYOUT_PROVIDER_URL: sandbox.url, PAYOUT_WEBHOOK_SECRET: PAYOUT_SECRET,
      WITHDRAWAL_DESTINATION_KEY: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64'),
      // A payout the provider never settles goes to review after 4 s (the retry test).
      WITHDRAWAL_WORKER_INTERVAL_MS: '200', PAYOUT_POLL_FAST_MS: '200', PAYOUT_LEASE_MS: '1000', PAYOUT_TIMEOUT_MS: '15000', PAYOUT_DOUBT_REVIEW_MS: '4000',
    }),
    spawnService('donations-service', await freePort(), { ...common, WALLET_SERVICE_URL: wallet.url, WITHDRAWALS_SERVICE_URL: `http://127.0.0.1:${withdrawalsPort}`, DISBURSEMENT_INTERVAL_MS: '300', WRITE_CONCURRENCY: '2' }),
    spawnService('rewards-service', await freePort(), { ...common, WALLET_SERVICE_URL: wallet.url, KAFKA_CONSUMERS_ENABLED: 'false' }),
  ]);
  services.push(...started);
  const [metrics, withdrawals, donations, rewards] = started;
  gateway = await spawnService('api-gateway', gatewayPort, {
    ...common, GATEWAY_PORT: String(gatewayPort), NODE_ENV: 'test', ADMIN_API_KEY: ADMIN_KEY, JWT_SECRET,
    WALLET_SERVICE_URL: wallet.url, METRICS_SERVICE_URL: metrics!.url, WITHDRAWALS_SERVICE_URL: withdrawals!.url, DONATIONS_SERVICE_URL: donations!.url, REWARDS_SERVICE_URL: rewards!.url,
    REDIS_KEY_PREFIX: uniqueName('console-office-e2e'), OUTBOX_RELAY_ENABLED: 'false', KAFKA_CONSUMERS_ENABLED: 'false',
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
  await Promise.all(services.map((s) => s.stop()));
}, 60_000);

describe('the office pages of the admin console in headless Chromium', () => {
  let step = 0;
  afterEach(async () => {
    step += 1;
    if (page) await page.screenshot({ path: path.join(SHOTS, 'after-each', `${String(step).padStart(2, '0')}.png`), fullPage: true }).catch(() => undefined);
  });

  let campaignId = '';
  let campaignName = '';
  let rewardId = '';
  const resident = crypto.randomUUID();

  it('a resident’s page shows their issued rewards, donations and withdrawals (amounts in rands, SA time)', async () => {
    await signInAs(page, gateway.url, { kind: 'api_key', key: ADMIN_KEY, serviceId: 'admin' });
    // The resident earns R 1 234,50 and 200 points, redeems a reward, donates R 50,00 and asks for R 100,00.
    expect((await call('POST', `/v1/users/${resident}/points/earn`, { points: 200, amount: 123_450, reason: 'console office e2e earn' })).status).toBe(201);
    const reward = await call('POST', '/v1/rewards', { code: `OFFICE_${Date.now().toString(36).toUpperCase()}`, name: 'Compost bin', type: 'product', points_cost: 60, value: 4_500, refundable_on_cancel: true, active: true });
    expect(reward.status).toBe(201);
    rewardId = reward.body.id;
    expect((await call('POST', `/v1/users/${resident}/rewards`, { reward_id: rewardId }, residentToken(resident))).status).toBe(201);
    campaignName = uniqueName('Office campaign');
    const campaign = await call('POST', '/v1/donations/campaigns', { name: campaignName, beneficiary: 'Khayelitsha food garden', target_amount: 100_000, status: 'active' });
    expect(campaign.status).toBe(201);
    campaignId = campaign.body.id;
    const donated = await call('POST', `/v1/users/${resident}/donations`, { campaign_id: campaignId, amount: 5_000 }, residentToken(resident));
    expect(donated.status).toBe(201);
    const asked = await call('POST', `/v1/users/${resident}/withdrawals`, { amount: 10_000, currency: 'ZAR', method: 'paypal', destination: { email: 'resident.office@example.com' } }, residentToken(resident));
    expect(asked.status).toBe(201);

    await goto(`/residents/${resident}`, 'Transactions');
    const rewards = page.getByTestId('user-rewards');
    await rewards.getByRole('cell', { name: /^Compost bin \(OFFICE_/ }).waitFor();
    const rewardRow = text(await rewards.getByRole('row').filter({ hasText: 'Compost bin' }).innerText());
    expect(rewardRow).toContain('issued');
    expect(rewardRow).toContain('R 45,00');
    expect(rewardRow).toMatch(/\d{4}\/\d{2}\/\d{2}, \d{2}:\d{2}:\d{2} SAST/);
    const donations = page.getByTestId('user-donations');
    const donationRow = donations.getByRole('row').filter({ hasText: 'R 50,00' });
    await donationRow.waitFor();
    // The campaign is named (read from the campaigns API) and links to its page.
    await donationRow.getByRole('link', { name: campaignName }).waitFor();
    expect(text(await donationRow.innerText())).toContain('accepted');
    const withdrawals = page.getByTestId('user-withdrawals');
    const withdrawalRow = withdrawals.getByRole('row').filter({ hasText: 'R 100,00' });
    await withdrawalRow.waitFor();
    const w = text(await withdrawalRow.innerText());
    expect(w).toContain('paypal');
    expect(w).toContain('r***@example.com');
    expect(w).not.toContain('resident.office@example.com');
    expect(w).toContain(asked.body.status.replace(/_/g, ' '));
    // The wallet agrees: R 1 234,50 - R 50,00 donated - R 100,00 held.
    expect(await wallet(resident)).toMatchObject({ balance: 118_450, held: 10_000 });
    await scanBothWidths('resident');
  }, 120_000);

  it('edits the tier ladder: a problem from the API is shown, a valid ladder is saved and the API agrees', async () => {
    const before = (await call('GET', '/v1/tiers')).body.tiers as { code: string; name: string; min_lifetime_points: number; multiplier_bp: number }[];
    expect(before.length).toBeGreaterThan(0);
    await goto('/rates', 'Tiers');
    const form = page.getByRole('form', { name: 'Tiers' });
    await form.getByLabel('Name of tier 1').waitFor();
    // A second tier from 0 points: the wallet-service refuses (thresholds must be unique); nothing changes.
    await form.getByRole('button', { name: 'Add a tier' }).click();
    const n = before.length + 1;
    await form.getByLabel(`Name of tier ${n}`).fill('Diamond');
    await form.getByLabel(`Code of tier ${n}`).fill('diamond');
    await form.getByLabel(`Lifetime points threshold of tier ${n}`).fill('0');
    await form.getByLabel(`Points multiplier of tier ${n}`).fill('1,5');
    await form.getByRole('button', { name: 'Save tiers' }).click();
    const alert = form.getByRole('alert');
    await alert.waitFor();
    expect(text(await alert.innerText())).toContain('invalid_tiers');
    expect(text(await alert.innerText())).toContain('thresholds must be unique');
    expect((await call('GET', '/v1/tiers')).body.tiers).toEqual(before);
    await shot('tiers-refused');
    await axe('tiers refused');
    // A threshold above the top tier's: saved, and the API gives the new ladder.
    const top = Math.max(...before.map((t) => t.min_lifetime_points));
    await form.getByLabel(`Lifetime points threshold of tier ${n}`).fill(String(top + 10_000));
    await form.getByLabel('Name of tier 1').fill(`${before[0]!.name} (renamed)`);
    await form.getByRole('button', { name: 'Save tiers' }).click();
    const after = await waitFor(async () => { const t = (await call('GET', '/v1/tiers')).body.tiers as typeof before; return t.length === n ? t : null; }, 'the new ladder', 30_000, 250);
    expect(after[0]).toMatchObject({ code: before[0]!.code, name: `${before[0]!.name} (renamed)` });
    expect(after[n - 1]).toEqual({ code: 'diamond', name: 'Diamond', min_lifetime_points: top + 10_000, multiplier_bp: 15_000 });
    await form.getByRole('cell', { name: `${new Intl.NumberFormat('en-ZA').format(top + 10_000)} points, ×1,5` }).waitFor();
    await scanBothWidths('rates-tiers');
    // Put the ladder back (the later tests' residents keep their tiers).
    expect((await call('PUT', '/v1/tiers', { tiers: before })).status).toBe(200);
  }, 90_000);

  it('edits the withdrawal limits (an admin token; an API key may only look); the API’s refusal names the field', async () => {
    await goto('/withdrawal-limits', 'Withdrawal limits');
    await page.getByText('Signed in with an API key: changing the limits needs an admin token').waitFor();
    expect(await page.getByRole('button', { name: 'Save limits' }).isDisabled()).toBe(true);
    const before = (await call('GET', '/v1/withdrawals/limits')).body;
    await signInAs(page, gateway.url, { kind: 'token', token: adminToken(admin1) });
    await goto('/withdrawal-limits', 'Withdrawal limits');
    const form = page.getByRole('form', { name: 'Withdrawal limits' });
    // Typed in rands, shown as the form reads it.
    const largest = (before.max_amount / 100).toFixed(2).replace('.', ',');
    await waitFor(async () => (await form.getByLabel('Largest withdrawal (R)').inputValue()) === largest, `the largest withdrawal shown as ${largest}`, 10_000, 100);
    // The smallest above the largest: refused by the withdrawals-service, nothing saved.
    await form.getByLabel('Smallest withdrawal (R)').fill(String(before.max_amount / 100 + 1));
    await form.getByRole('button', { name: 'Save limits' }).click();
    const alert = form.getByRole('alert');
    await alert.waitFor();
    expect(text(await alert.innerText())).toContain('invalid_limits');
    expect((await call('GET', '/v1/withdrawals/limits')).body).toEqual(before);
    await shot('withdrawal-limits-refused');
    await axe('withdrawal limits refused');
    // A bad figure is caught in the form, under its input.
    await form.getByLabel('Requests per resident per day').fill('many');
    await form.getByRole('button', { name: 'Save limits' }).click();
    await form.getByText('A whole number from 1 to 1000').waitFor();
    // Valid: saved.
    await form.getByLabel('Smallest withdrawal (R)').fill((before.min_amount / 100).toFixed(2).replace('.', ','));
    await form.getByLabel('Requests per resident per day').fill(String(before.daily_count + 1));
    await form.getByLabel('Two approvers from (R)').fill('1 500,00');
    await form.getByRole('button', { name: 'Save limits' }).click();
    await waitFor(async () => (await call('GET', '/v1/withdrawals/limits')).body.daily_count === before.daily_count + 1, 'the limits saved', 30_000, 250);
    expect((await call('GET', '/v1/withdrawals/limits')).body).toEqual({ ...before, daily_count: before.daily_count + 1, two_approvals_from: 150_000 });
    await waitFor(async () => text(await page.getByTestId('limits-now').innerText()).includes('two approvers from R 1 500,00'), 'the limits in force shown', 30_000, 250);
    await scanBothWidths('withdrawal-limits');
  }, 90_000);

  it('a campaign’s disbursement: one admin requests it, cannot approve it, another approves it and the payout completes; another is rejected with a reason', async () => {
    // The campaign holds R 50,00 (the resident's) + R 300,00.
    const donor = crypto.randomUUID();
    expect((await call('POST', `/v1/users/${donor}/points/earn`, { points: 1, amount: 30_000, reason: 'console office e2e funding' })).status).toBe(201);
    expect((await call('POST', `/v1/users/${donor}/donations`, { campaign_id: campaignId, amount: 30_000 }, residentToken(donor))).status).toBe(201);
    // Still signed in as admin 1 (a token).
    await goto(`/campaigns/${campaignId}/show`, 'Disbursements');
    const section = page.getByTestId('disbursements');
    await section.getByText('No disbursements yet.').waitFor();
    // A destination the payout pipeline refuses: its problem is shown under the field.
    await section.getByLabel('Amount (R)').fill('200,00');
    await section.getByLabel('Bank').fill('Standard Bank');
    await section.getByLabel('Account holder').fill('Khayelitsha food garden NPC');
    await section.getByLabel('Account number').fill('12');
    await section.getByLabel('Branch code').fill('051001');
    await section.getByLabel('Reference').fill('INV-2026-117');
    await section.getByRole('button', { name: 'Request disbursement' }).click();
    await section.getByText(/must be 6 to 16 digits/).first().waitFor();
    expect(text(await section.getByRole('alert').innerText())).toContain('invalid_destination');
    expect((await call('GET', `/v1/donations/campaigns/${campaignId}/disbursements`)).body.data).toEqual([]);
    await shot('disbursement-refused');
    await axe('disbursement refused');
    await section.getByLabel('Account number').fill('1234 5678 90');
    await section.getByRole('button', { name: 'Request disbursement' }).click();
    const row = section.getByRole('row').filter({ hasText: 'R 200,00' });
    await row.waitFor();
    const [requested] = (await call('GET', `/v1/donations/campaigns/${campaignId}/disbursements`)).body.data;
    expect(requested).toMatchObject({ amount: 20_000, status: 'requested', method: 'bank_transfer', reference: 'INV-2026-117', requested_by: admin1 });
    const shown = text(await row.innerText());
    expect(shown).toContain('****7890');
    expect(shown).not.toContain('1234567890');
    // Four eyes: the requester's Approve is disabled, with the reason.
    expect(await row.getByRole('button', { name: `Approve disbursement ${requested.id}` }).isDisabled()).toBe(true);
    expect(shown).toContain('You requested it: another admin must approve it');
    await shot('disbursement-requested');

    // Another admin approves it in the dialog; the payout sandbox pays it.
    await signInAs(page, gateway.url, { kind: 'token', token: adminToken(admin2) });
    await goto(`/campaigns/${campaignId}/show`, 'Disbursements');
    await section.getByRole('button', { name: `Approve disbursement ${requested.id}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Approve the disbursement of R 200,00?' });
    await dialog.waitFor();
    expect(text(await dialog.innerText())).toContain('****7890');
    await shot('disbursement-approve-dialog');
    await axe('disbursement approve dialog');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const done = await waitFor(async () => { const d = (await call('GET', `/v1/donations/disbursements/${requested.id}`)).body; return d.status === 'completed' ? d : null; }, 'the disbursement paid', 90_000, 500);
    expect(done).toMatchObject({ approved_by: [admin2], payout_status: 'completed' });
    // The page reads the list again while the payout moves: it shows the outcome without a reload.
    await waitFor(async () => text(await row.innerText()).includes('completed'), 'the payout status shown', 30_000, 250);
    expect(text(await row.innerText())).toContain(admin2);

    // A second request (admin 2), rejected by admin 1 with a required reason.
    await section.getByLabel('Amount (R)').fill('30,00');
    await section.getByLabel('Payout method').click();
    await page.getByRole('option', { name: 'paypal' }).click();
    await section.getByLabel('PayPal email').fill('garden.treasurer@example.org');
    await section.getByRole('button', { name: 'Request disbursement' }).click();
    await section.getByRole('row').filter({ hasText: 'R 30,00' }).waitFor();
    const second = ((await call('GET', `/v1/donations/campaigns/${campaignId}/disbursements`)).body.data as { id: string; amount: number }[]).find((d) => d.amount === 3_000)!;
    await signInAs(page, gateway.url, { kind: 'token', token: adminToken(admin1) });
    await goto(`/campaigns/${campaignId}/show`, 'Disbursements');
    await section.getByRole('button', { name: `Reject disbursement ${second.id}` }).click();
    const reject = page.getByRole('dialog', { name: 'Reject the disbursement of R 30,00?' });
    await reject.getByRole('button', { name: 'Reject' }).click();
    await reject.getByText('A reason is required').waitFor();
    await reject.getByLabel('Reason (required)').fill('the treasurer’s account changed');
    await reject.getByRole('button', { name: 'Reject' }).click();
    await reject.waitFor({ state: 'hidden' });
    await section.getByRole('row').filter({ hasText: 'rejected (the treasurer’s account changed)' }).waitFor();
    expect((await call('GET', `/v1/donations/disbursements/${second.id}`)).body).toMatchObject({ status: 'rejected', rejected_by: admin1, reason: 'the treasurer’s account changed' });
    await scanBothWidths('campaign-disbursements');
  }, 240_000);

  it('cancels a campaign from its page (a reason is required): its donations go back to the donors', async () => {
    const name = uniqueName('Office campaign to cancel');
    const c = await call('POST', '/v1/donations/campaigns', { name, beneficiary: 'Gugulethu library', target_amount: 50_000, status: 'active' });
    expect(c.status).toBe(201);
    const donor = crypto.randomUUID();
    expect((await call('POST', `/v1/users/${donor}/points/earn`, { points: 1, amount: 8_000, reason: 'console office e2e funding' })).status).toBe(201);
    const donated = await call('POST', `/v1/users/${donor}/donations`, { campaign_id: c.body.id, amount: 7_500 }, residentToken(donor));
    expect(donated.status).toBe(201);
    expect(await wallet(donor)).toMatchObject({ balance: 500 });
    await goto(`/campaigns/${c.body.id}/show`, 'Donations');
    await page.getByRole('cell', { name: donor }).waitFor();
    await page.getByRole('button', { name: 'Cancel campaign…' }).click();
    const dialog = page.getByRole('dialog', { name: `Cancel “${name}”?` });
    await dialog.getByRole('button', { name: 'Cancel campaign' }).click();
    await dialog.getByText('A reason is required').waitFor();
    await shot('campaign-cancel-dialog');
    await axe('campaign cancel dialog');
    expect((await call('GET', `/v1/donations/campaigns/${c.body.id}`)).body.status).toBe('active');
    await dialog.getByLabel('Reason (required)').fill('the library closed');
    await dialog.getByRole('button', { name: 'Cancel campaign' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await waitFor(async () => (await call('GET', `/v1/donations/campaigns/${c.body.id}`)).body.status === 'cancelled', 'the campaign cancelled', 30_000, 250);
    await waitFor(async () => (await wallet(donor)).balance === 8_000, 'the donation back in the donor’s wallet', 30_000, 250);
    expect((await call('GET', `/v1/donations/${donated.body.id}`)).body.status).toBe('refunded');
    // The page says so; cancelling is no longer offered.
    await waitFor(async () => { await page.reload(); await page.getByRole('cell', { name: donor }).waitFor(); return (await page.getByRole('button', { name: 'Cancel campaign…' }).count()) === 0; }, 'no cancel button on a cancelled campaign', 30_000, 500);
    expect(text(await page.getByRole('cell', { name: donor }).locator('..').innerText())).toContain('refunded');
  }, 120_000);

  it('retries a payout in review (the provider never settled it): a note is required, the withdrawal goes back to processing and then completes', async () => {
    const payee = crypto.randomUUID();
    expect((await call('POST', `/v1/users/${payee}/points/earn`, { points: 1, amount: 20_000, reason: 'console office e2e funding' })).status).toBe(201);
    const asked = await call('POST', `/v1/users/${payee}/withdrawals`, { amount: 7_700, currency: 'ZAR', method: 'paypal', destination: { email: 'payee.office@example.com' } }, residentToken(payee));
    expect(asked.status).toBe(201);
    const id = asked.body.id as string;
    // The provider takes this payout and never settles it on its own.
    expect((await fetch(`${sandbox.url}/v1/sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ on: 'create', reference: id, times: 1, manual: true }) })).status).toBe(201);
    expect((await call('POST', `/v1/withdrawals/${id}/approve`, { note: 'checked' }, bearer(adminToken(admin2)))).status).toBe(200);
    await waitFor(async () => (await call('GET', `/v1/withdrawals/${id}`)).body.status === 'needs_review', 'the payout in review', 60_000, 250);

    // Admin 1 (signed in with a token) retries it from the withdrawal's page.
    await goto(`/withdrawals/${id}/show`, 'History');
    await page.getByRole('button', { name: `Retry payout of withdrawal ${id}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Retry payout withdrawal of R 77,00' });
    await dialog.getByRole('button', { name: 'Retry payout' }).click();
    await dialog.getByText('A note is required').waitFor();
    await shot('retry-payout-dialog');
    await axe('retry payout dialog');
    expect((await call('GET', `/v1/withdrawals/${id}`)).body.status).toBe('needs_review');
    await dialog.getByLabel('Note (required)').fill('provider says it is on its way');
    await dialog.getByRole('button', { name: 'Retry payout' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const history = (await call('GET', `/v1/withdrawals/${id}`)).body.history as { action: string; actor: string; note: string | null; to: string }[];
    expect(history).toContainEqual(expect.objectContaining({ action: 'retry_payout', actor: admin1, note: 'provider says it is on its way', to: 'processing' }));
    // The provider pays it now: the withdrawal completes and the history page shows the retry.
    for (const status of ['processing', 'completed']) await fetch(`${sandbox.url}/v1/sandbox/payouts/${id}/transition`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status }) });
    await waitFor(async () => (await call('GET', `/v1/withdrawals/${id}`)).body.status === 'completed', 'the withdrawal completed', 60_000, 250);
    await page.reload();
    await page.getByRole('cell', { name: 'provider says it is on its way' }).waitFor();
    expect(await wallet(payee)).toMatchObject({ balance: 12_300, held: 0 });
    await shot('withdrawal-retried');
  }, 150_000);

  it('the reward edit page passes axe at 1280 px and 375 px', async () => {
    await goto(`/rewards/${rewardId}`, 'Edit reward');
    await page.getByRole('textbox', { name: /^Name/ }).waitFor();
    expect(await page.getByRole('textbox', { name: /^Name/ }).inputValue()).toBe('Compost bin');
    await scanBothWidths('reward-edit');
  }, 60_000);

  it('no page threw an uncaught error', () => {
    expect(browser.pageErrors).toEqual([]);
  });
});
