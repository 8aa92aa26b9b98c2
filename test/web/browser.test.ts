// The dashboard in a real browser: Debian's Chromium driven by playwright-core (never a
// downloaded browser). Skipped, saying so, only where /usr/bin/chromium is not installed; CI
// installs it (.ci/run). Screenshots go to test-output/ (git-ignored).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../web/app.ts';
import { makeResults, SWEEP_ONLY } from './fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) console.warn(`browser tests skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);

describe.skipIf(!available)('dashboard in Chromium', () => {
  let server: Server;
  let base: string;
  let browser: Browser;
  let page: Page;
  let resultsDir: string;
  const errors: string[] = [];

  beforeAll(async () => {
    resultsDir = await makeResults();
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

  it('renders the sweep frontier with the recommendation and the routing view', async () => {
    const sweep = JSON.parse(readFileSync(join(resultsDir, 'default', 'sweep.json'), 'utf8'));
    expect(await page.locator('#sweep svg.frontier-chart').count()).toBe(1);
    expect(await page.locator('#sweep circle.point').count()).toBe(sweep.points.filter((p: { metrics?: unknown }) => p.metrics).length);
    expect(await page.locator('#sweep circle.on-frontier').count()).toBe(sweep.frontier.ids.length);
    expect(await page.locator('#sweep circle.recommended').getAttribute('data-id')).toBe(String(sweep.answer.id));
    expect(await page.locator('#sweep-answer').textContent()).toMatch(/^recommended: EP (8|16) · \S+: [\d,]+ tokens\/s per GPU/);
    expect(await page.locator('#routing-tokens span').count()).toBeGreaterThan(100);
    expect(await page.locator('#routing-histogram rect.bar').count()).toBe(7);
    expect(await page.locator('#routing-heatmap').count()).toBe(1);
  });

  it('lists a sweep on its own and draws it: frontier, faded points, the recommended point, hover for the layout', async () => {
    const sweep = JSON.parse(readFileSync(join(resultsDir, SWEEP_ONLY, 'sweep.json'), 'utf8'));
    const item = page.locator(`#results li[data-name="${SWEEP_ONLY}"]`);
    expect(await item.textContent()).toBe(`${SWEEP_ONLY} (decode, sweep only: ${sweep.points.length} points)`);
    await item.click();
    await page.waitForFunction((name) => document.body.dataset.ready === name, SWEEP_ONLY);
    expect(await page.locator('#timeline').isVisible()).toBe(false);
    expect(await page.locator('#result-title').textContent()).toMatch(new RegExp(`^${SWEEP_ONLY}: sweep of traced:tiny on h800-2node \\(decode, ${sweep.points.length} points\\)`));
    const fitting = sweep.points.filter((p: { metrics?: { fitsInMemory: boolean } }) => p.metrics?.fitsInMemory);
    expect(await page.locator('#sweep circle.point').count()).toBe(sweep.points.filter((p: { metrics?: unknown }) => p.metrics).length);
    expect(await page.locator('#sweep circle.on-frontier').count()).toBe(sweep.frontier.ids.length);
    expect(sweep.frontier.ids.length).toBeLessThan(fitting.length);
    for (const opacity of await page.locator('#sweep circle.off-frontier').evaluateAll((els) => els.map((e) => e.getAttribute('opacity')))) expect(Number(opacity)).toBeLessThan(0.5);
    // The recommended point: the most tokens/s per GPU under the TPOT target, not the lowest TPOT.
    const answer = sweep.points[sweep.answer.id];
    const under = fitting.filter((p: { metrics: { tpotMs: number } }) => p.metrics.tpotMs <= sweep.targets.tpotMs);
    expect(answer.metrics.tokensPerSecPerGpu).toBe(Math.max(...under.map((p: { metrics: { tokensPerSecPerGpu: number } }) => p.metrics.tokensPerSecPerGpu)));
    expect(await page.locator('#sweep circle.recommended').getAttribute('data-id')).toBe(String(answer.id));
    expect(await page.locator('#sweep-answer').textContent()).toContain(`${sweep.answer.gpusNeeded.toLocaleString('en-US')} GPUs`);
    expect(await page.locator('#sweep .target-line').count()).toBe(1);
    expect(await page.locator('#sweep-frontier tbody tr').count()).toBe(sweep.frontier.ids.length);
    // The legend sits beside the plot, not over it.
    const chart = (await page.locator('#sweep svg.frontier-chart').boundingBox())!;
    const legend = (await page.locator('#sweep .sweep-legend').boundingBox())!;
    expect(legend.x).toBeGreaterThanOrEqual(chart.x + chart.width);
    expect(chart.width).toBeGreaterThanOrEqual(600);
    // Hover a faded point: its layout and figures.
    const faded = page.locator('#sweep circle.off-frontier').first();
    const id = Number(await faded.getAttribute('data-id'));
    await faded.hover({ force: true });
    await page.waitForSelector('#sweep .sweep-tooltip:not([hidden])');
    const p = sweep.points[id];
    expect(await page.locator('#sweep .sweep-tooltip').textContent()).toContain(`point ${id}: EP ${p.ep} · sequencesPerGpu ${p.batch} · ${p.schedule}`);
    await page.screenshot({ path: 'test-output/sweep-frontier.png', fullPage: true });
    expect(errors).toEqual([]);
  });

  it('starts a sweep from the page, shows its progress, then draws it', async () => {
    await page.selectOption('#scenario-select', 'default');
    await page.click('#sweep-button');
    await page.waitForFunction(() => /\d+\/\d+ points/.test(document.getElementById('run-status')!.textContent ?? '') || /sweep done$/.test(document.getElementById('run-status')!.textContent ?? ''), null, { timeout: 60_000 });
    await page.screenshot({ path: 'test-output/sweep-progress.png' });
    await page.waitForFunction(() => /sweep done$/.test(document.getElementById('run-status')!.textContent ?? ''), null, { timeout: 150_000 });
    await page.waitForFunction(() => document.body.dataset.ready === 'default');
    const events = Number(await page.locator('#run-status').getAttribute('data-progress-events'));
    const sweep = JSON.parse(readFileSync(join(resultsDir, 'default', 'sweep.json'), 'utf8'));
    // default.yaml sweeps EP 2, 4, 8, 16 x its 4 schedules: one progress event per point.
    expect(sweep.points).toHaveLength(16);
    expect(events).toBe(16);
    expect(await page.locator('#sweep circle.point').count()).toBe(sweep.points.filter((p: { metrics?: unknown }) => p.metrics).length);
    expect(errors).toEqual([]);
  }, 180_000);

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
