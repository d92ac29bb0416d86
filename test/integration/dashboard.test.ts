/**
 * The usage dashboard in a real browser: headless Chromium (Debian's package, driven by
 * playwright-core) opens /dashboard on the admin port of the real service, whose ledger holds
 * requests sent through the OpenAI SDK and earlier hours' records. The page must show what the
 * ledger holds (spend from the price table, requests, error rate, the top model and projects),
 * its screenshots must contain each chart's series colours (so the charts really drew), an
 * empty range must draw no bars, and a wrong token, an admin API that is off and a failing
 * request must each end in their own state. The full page goes to test-results/dashboard.png.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorRate, formatCount, formatPercent, formatUsd } from '../../assets/dashboard/format.js';
import { launchChromium } from '../support/chromium.js';
import { countColour } from '../support/pixels.js';
import { startService, type TestService } from '../support/service.js';
import { ADMIN_TOKEN, startUsageFixture, type ExpectedRecord, type UsageFixture } from '../support/usage-fixture.js';

/** The series colours of assets/dashboard/dashboard.js. */
const COLORS = { spend: '#2563eb', input: '#0891b2', output: '#f59e0b', errors: '#dc2626', p50: '#7c3aed', p95: '#db2777' };
const CHARTS: Array<[string, Array<keyof typeof COLORS>]> = [
  ['spend', ['spend']],
  ['tokens', ['input', 'output']],
  ['errors', ['errors']],
  ['ttft', ['p50', 'p95']],
];
const SCREENSHOT = new URL('../../test-results/dashboard.png', import.meta.url);
const HOUR_MS = 3_600_000;

let fixture: UsageFixture;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  fixture = await startUsageFixture();
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await fixture?.close();
});

/** A fresh page (own context: own session storage) recording console errors and page errors. */
async function openPage(opts: { clockAt?: number } = {}): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1, colorScheme: 'light' });
  contexts.push(context);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && problems.push(`console: ${m.text()}`)));
  page.on('pageerror', (e) => void problems.push(`page error: ${e.message}`));
  if (opts.clockAt !== undefined) await page.clock.setFixedTime(opts.clockAt);
  return { page, problems };
}

async function waitForState(page: Page, states: string[]): Promise<string> {
  await page.waitForFunction((s) => s.includes(document.body.dataset['state'] ?? ''), states, { timeout: 15_000 });
  return page.evaluate(() => document.body.dataset['state'] ?? '');
}

async function signIn(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/dashboard`);
  expect(await waitForState(page, ['auth'])).toBe('auth');
  await page.getByLabel('Token', { exact: true }).fill(token);
  await page.getByRole('button', { name: 'Show usage' }).click();
}

const testId = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);
const sum = (rs: readonly ExpectedRecord[], f: (r: ExpectedRecord) => number): number => rs.reduce((a, r) => a + f(r), 0);

describe('usage dashboard in headless Chromium', () => {
  it('shows what the ledger holds, and its charts draw every series', async () => {
    const { page, problems } = await openPage();
    await signIn(page, fixture.service.adminUrl, ADMIN_TOKEN);
    expect(await waitForState(page, ['loaded', 'empty', 'error', 'auth'])).toBe('loaded');

    const records = fixture.records;
    const spend = sum(records, (r) => r.costUsd);
    const errors = records.filter((r) => r.error).length;
    expect(spend).toBeGreaterThan(0);
    expect(Number(await testId(page, 'total-spend').getAttribute('data-value'))).toBeCloseTo(spend, 12);
    expect(await testId(page, 'total-spend').textContent()).toBe(formatUsd(spend));
    expect(await testId(page, 'total-requests').textContent()).toBe(String(records.length));
    expect(Number(await testId(page, 'total-tokens').getAttribute('data-value'))).toBe(sum(records, (r) => r.totalTokens));
    expect(await testId(page, 'error-rate').textContent()).toBe(formatPercent(errorRate({ requests: records.length, errors })));
    expect(await testId(page, 'errors').textContent()).toBe(`${errors} ${errors === 1 ? 'error' : 'errors'}`);
    expect(await testId(page, 'ttft-p50').textContent()).toMatch(/^\d+ ms$/);
    expect(await testId(page, 'ttft-p95').textContent()).toMatch(/^\d+ ms$/);

    // Top models and projects, by spend, each row as the ledger adds up.
    for (const [table, field] of [
      ['top-models', 'model'],
      ['top-projects', 'project'],
    ] as const) {
      const names = [...new Set(records.map((r) => r[field]))];
      const expected = names
        .map((name) => {
          const rs = records.filter((r) => r[field] === name);
          return { name, requests: rs.length, cost: sum(rs, (r) => r.costUsd), errors: rs.filter((r) => r.error).length };
        })
        .sort((a, b) => b.cost - a.cost);
      const rows = await testId(page, table).locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
      expect(rows).toEqual(expected.map((e) => [e.name, String(e.requests), expect.any(String), formatUsd(e.cost), formatPercent(e.errors / e.requests)]));
    }

    // Rate limits now: the gateway-wide limit, and the per-project limit for each top project.
    const limitRows = await testId(page, 'rate-limits').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    expect(limitRows[0]).toEqual(['gateway', 'the gateway', expect.stringMatching(new RegExp(`^\\d[\\d,]* / ${formatCount(100_000)}$`)), '–']);
    const projects = [...new Set(records.map((r) => r.project))].sort();
    expect(limitRows.slice(1).map((r) => r[1]).sort()).toEqual(projects.map((p) => `project ${p}`));
    for (const r of limitRows.slice(1)) expect(r.slice(2)).toEqual(['–', expect.stringMatching(new RegExp(` / ${formatCount(100_000_000)}$`))]);

    // One spend bar per hour with spend, in the right number of slots.
    const rows = await fixture.rowTimes();
    const hoursWithSpend = new Set(rows.filter((r) => (r.costUsd ?? 0) > 0).map((r) => Math.floor(r.ts / HOUR_MS)));
    expect(await page.locator('[data-testid="chart-spend"] rect[data-series="Spend"]').count()).toBe(hoursWithSpend.size);
    expect(await page.locator('[data-testid="chart-spend"] > title').textContent()).toBe('Spend over time (USD)');

    // The screenshots prove the charts drew: each series' colour fills a good number of pixels.
    for (const [chart, series] of CHARTS) {
      const png = await testId(page, `chart-${chart}`).screenshot();
      for (const s of series) expect(countColour(png, COLORS[s]), `${s} pixels in the ${chart} chart`).toBeGreaterThan(chart === 'spend' || chart === 'tokens' ? 300 : 60);
    }
    await mkdir(new URL('.', SCREENSHOT), { recursive: true });
    await writeFile(SCREENSHOT, await page.screenshot({ fullPage: true }));

    // The token stays out of the URL; the session keeps it across a reload.
    expect(page.url()).not.toContain(ADMIN_TOKEN);
    await page.reload();
    expect(await waitForState(page, ['loaded', 'empty', 'error', 'auth'])).toBe('loaded');
    expect(problems).toEqual([]);
  });

  it('switches to 30 days by day, and forgets the token on request', async () => {
    const { page, problems } = await openPage();
    await signIn(page, fixture.service.adminUrl, ADMIN_TOKEN);
    expect(await waitForState(page, ['loaded', 'error', 'auth'])).toBe('loaded');
    await testId(page, 'range').selectOption('30d');
    await page.waitForFunction(() => document.querySelector('[data-testid="range-note"]')?.textContent?.includes('by day'));
    expect(await waitForState(page, ['loaded', 'error', 'auth'])).toBe('loaded');
    expect(page.url()).toMatch(/#range=30d$/);
    const days = new Set((await fixture.rowTimes()).filter((r) => (r.costUsd ?? 0) > 0).map((r) => Math.floor(r.ts / (24 * HOUR_MS))));
    expect(await page.locator('[data-testid="chart-spend"] rect').count()).toBe(days.size);
    expect(Number(await testId(page, 'total-spend').getAttribute('data-value'))).toBeCloseTo(sum(fixture.records, (r) => r.costUsd), 12);

    await testId(page, 'forget').click();
    expect(await waitForState(page, ['auth'])).toBe('auth');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(problems).toEqual([]);
  });

  it('draws no bars and says so for a range without requests', async () => {
    const { page, problems } = await openPage({ clockAt: Date.now() + 400 * 24 * HOUR_MS });
    await signIn(page, fixture.service.adminUrl, ADMIN_TOKEN);
    expect(await waitForState(page, ['loaded', 'empty', 'error', 'auth'])).toBe('empty');
    expect(await testId(page, 'status').textContent()).toBe('No requests in this range.');
    expect(await testId(page, 'total-spend').textContent()).toBe('$0.00');
    expect(await page.locator('.chart rect, .chart circle, .chart path').count()).toBe(0);
    for (const [chart, series] of CHARTS) {
      const png = await testId(page, `chart-${chart}`).screenshot();
      for (const s of series) expect(countColour(png, COLORS[s]), `${s} pixels in the empty ${chart} chart`).toBe(0);
    }
    expect(await testId(page, 'top-models').locator('tbody').textContent()).toBe('No requests in this range.');
    expect(problems).toEqual([]);
  });

  it('asks again for the token when the admin API refuses it (401)', async () => {
    const { page } = await openPage();
    await signIn(page, fixture.service.adminUrl, 'not-the-token');
    expect(await waitForState(page, ['loaded', 'empty', 'error', 'auth'])).toBe('auth');
    expect(await testId(page, 'auth-message').textContent()).toContain('refused this token (401)');
    expect(await testId(page, 'cards').isVisible()).toBe(false);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it('says so when a request fails on the way', async () => {
    const { page } = await openPage();
    await page.route('**/admin/usage/timeseries*', (route) => route.abort('connectionreset'));
    await signIn(page, fixture.service.adminUrl, ADMIN_TOKEN);
    expect(await waitForState(page, ['loaded', 'empty', 'error', 'auth'])).toBe('error');
    expect(await testId(page, 'status').textContent()).toMatch(/^Could not load usage: the admin API could not be reached/);
  });

  it('says at once, without asking for a token, that the admin API is off (404) on a service without admin.token', async () => {
    let plain: TestService | undefined;
    try {
      plain = await startService();
      const { page } = await openPage();
      await page.goto(`${plain.adminUrl}/dashboard`);
      expect(await waitForState(page, ['loaded', 'empty', 'error', 'auth'])).toBe('error');
      expect(await testId(page, 'status').textContent()).toContain('The admin API is off on this server (404)');
      expect(await testId(page, 'auth-form').isVisible()).toBe(false);
    } finally {
      await plain?.stop();
    }
  });
});
