// What a console browser test needs besides its own platform: Debian's chromium through playwright-core
// (a fresh profile, South African time), the API called through the gateway, a page reached by its
// hash route, an axe scan of what a person sees, screenshots kept as artefacts, and signing in.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT, waitFor } from '@wozamali/testing';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Normalises the non-breaking spaces of en-ZA money so a test can read it. */
export const text = (s: string | null) => (s ?? '').replace(/[\u00a0\u202f]/g, ' ').replace(/\s+/g, ' ').trim();

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export interface ConsoleBrowser {
  page: Page;
  /** Uncaught errors in the page (a crashed view). */
  pageErrors: string[];
  close(): Promise<void>;
}

/** Fails (never skips) without chromium or a built console; a fresh profile in South African time. */
export async function openConsoleBrowser(shotsDir: string): Promise<ConsoleBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`chromium is not installed at ${CHROMIUM}: run scripts/ensure-chromium.sh as root`);
  if (!existsSync(path.join(ROOT, 'apps/console/dist/index.html'))) throw new Error('the console is not built: node scripts/build-console.js');
  rmSync(shotsDir, { recursive: true, force: true });
  mkdirSync(path.join(shotsDir, 'after-each'), { recursive: true });
  const profile = mkdtempSync(path.join(os.tmpdir(), 'console-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1280, height: 900 },
    timezoneId: 'Africa/Johannesburg',
    locale: 'en-ZA',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.setDefaultTimeout(30_000);
  return {
    page,
    pageErrors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * One API call through the gateway. A 503 (a busy ledger, a breaker open on a loaded machine) is
 * "unknown", never "failed": the same request is sent again with the same Idempotency-Key for up to 30 s.
 */
export async function callApi(baseUrl: string, method: string, url: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  const key = crypto.randomUUID();
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(`${baseUrl}${url}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(method === 'GET' ? {} : { 'idempotency-key': key }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const t = await res.text();
    if (res.status === 503 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    return { status: res.status, body: t ? JSON.parse(t) : null };
  }
}

/** Opens a console route and waits for a visible heading with this text. */
export async function gotoConsole(page: Page, baseUrl: string, hash: string, heading: string | RegExp): Promise<void> {
  await page.goto(`${baseUrl}/console/#${hash}`);
  await page.locator('h1, h2, h3, h4, h5, h6', { hasText: heading }).filter({ visible: true }).first().waitFor({ timeout: 30_000 });
}

/** An axe scan of what a person sees once things settle: no serious or critical violation. */
export async function axeScan(page: Page, name: string): Promise<void> {
  // A notification fading in is half transparent, and axe would measure its contrast mid-fade.
  // (page.evaluate, not waitForFunction: the console's CSP forbids the eval waitForFunction's polling uses.)
  for (let i = 0; i < 50; i++) {
    if ((await page.evaluate('document.getAnimations().filter((a) => a.playState === "running").length')) === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  expect({ page: name, violations: bad }).toEqual({ page: name, violations: [] });
}

/** Puts credentials in the tab's sessionStorage (as the sign-in form does) and opens the dashboard. */
export async function signInAs(page: Page, baseUrl: string, credentials: { kind: 'api_key'; key: string; serviceId: string } | { kind: 'token'; token: string }): Promise<void> {
  await page.goto(`${baseUrl}/console/#/login`);
  await page.evaluate(`sessionStorage.setItem('wozamali.console.credentials', ${JSON.stringify(JSON.stringify(credentials))})`);
  await page.goto(`${baseUrl}/console/#/`);
  await page.reload();
  await page.getByRole('heading', { name: 'Welcome to the WozaMali console' }).waitFor();
}

/** At 375 px: the page does not scroll sideways and axe still passes. */
export async function checkPhone(page: Page, name: string, shot: (name: string) => Promise<void>): Promise<void> {
  await page.keyboard.press('Escape'); // the menu drawer, if it was left open, closes
  await page.waitForLoadState('networkidle');
  await shot(`${name}-375`);
  const width = await page.evaluate<number>('document.documentElement.scrollWidth');
  expect({ name, width }).toEqual({ name, width: 375 });
  await axeScan(page, `${name} at 375 px`);
}

export { waitFor };
