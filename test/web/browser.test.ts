// The dashboard in a real browser: Debian's Chromium driven by playwright-core (never a
// downloaded browser). Skipped, saying so, only where /usr/bin/chromium is not installed; CI
// installs it (.ci/run). Screenshots go to test-output/ (git-ignored).
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../web/app.ts';
import { makeResults } from './fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) console.warn(`browser tests skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);

describe.skipIf(!available)('dashboard in Chromium', () => {
  let server: Server;
  let base: string;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    const resultsDir = await makeResults();
    server = await new Promise<Server>((resolve) => {
      const s = createApp({ resultsDir, scenariosDir: 'scenarios', maxJobs: 1 }).listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    mkdirSync('test-output', { recursive: true });
    await page.goto(`${base}/?result=default`);
    await page.waitForFunction(() => document.body.dataset.ready === 'default', null, { timeout: 30_000 });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('loads without console errors and shows the summary table', async () => {
    expect(errors).toEqual([]);
    expect(await page.locator('table.summary tbody tr').count()).toBe(4);
    expect(await page.inputValue('#scenario-select')).toBe('default');
    await page.screenshot({ path: 'test-output/dashboard.png', fullPage: true });
  });

  it('draws spans for every schedule on the timeline', async () => {
    const drawn = JSON.parse((await page.locator('#timeline-canvas').getAttribute('data-drawn'))!) as number[];
    expect(drawn).toHaveLength(4);
    for (const n of drawn) expect(n).toBeGreaterThan(10);
  });

  it('zooming narrows the visible time range', async () => {
    const domain = async () => Number(await page.locator('#timeline-canvas').getAttribute('data-domain-end')) - Number(await page.locator('#timeline-canvas').getAttribute('data-domain-start'));
    const before = await domain();
    const box = (await page.locator('#timeline-canvas').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + 40);
    await page.mouse.wheel(0, -600);
    await page.waitForFunction((w) => {
      const c = document.getElementById('timeline-canvas')!;
      return Number(c.dataset.domainEnd) - Number(c.dataset.domainStart) < w;
    }, before);
    expect(await domain()).toBeLessThan(before);
  });

  it('renders the sweep chart with the recommendation and the routing view', async () => {
    expect(await page.locator('#sweep svg.chart').count()).toBe(3);
    expect(await page.locator('#sweep circle.point').count()).toBeGreaterThanOrEqual(8 * 3);
    expect(await page.locator('#sweep circle.recommended').count()).toBeGreaterThan(0);
    expect(await page.locator('#sweep-recommendation').textContent()).toMatch(/lowest TPOT that fits: EP (8|16)/);
    expect(await page.locator('#routing-tokens span').count()).toBeGreaterThan(100);
    expect(await page.locator('#routing-histogram rect.bar').count()).toBe(7);
    expect(await page.locator('#routing-heatmap').count()).toBe(1);
  });

  it('starts a run from the page, shows progress, then the result', async () => {
    await page.selectOption('#scenario-select', 'default');
    await page.click('#run-button');
    await page.waitForFunction(() => /done$/.test(document.getElementById('run-status')!.textContent ?? ''), null, { timeout: 60_000 });
    await page.waitForFunction(() => document.body.dataset.ready === 'default');
    expect(errors).toEqual([]);
  }, 90_000);

  it('shows a broken posted scenario\'s errors verbatim', async () => {
    await page.click('#run-panel details summary');
    await page.fill('#yaml', 'name: x\ntopology: h800-1node\nparallel: { ep: 3 }\n');
    await page.click('#run-button');
    await page.waitForSelector('#run-errors:not([hidden])');
    expect(await page.locator('#run-errors').textContent()).toBe('posted.yaml:1:1: workload: missing required field (expected object)');
    await page.screenshot({ path: 'test-output/dashboard-error.png' });
  });
});
