// The dashboard in a real browser: Debian's Chromium driven by playwright-core (never a
// downloaded browser). Skipped, saying so, only where /usr/bin/chromium is not installed; CI
// installs it (.ci/run). Screenshots go to test-output/ (git-ignored); each test names the one
// that shows what it checks.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { createApp } from '../../web/app.ts';
import { answerText as cliAnswerText } from '../../sim/scenario/sweep-report.ts';
import { HOT_GPU, makeDashboardResults, NO_ANSWER, SWEEP_ONLY, type DashboardFixture } from './fixtures.ts';

const { COLUMN_HELP }: { COLUMN_HELP: Record<string, string> } = await import('../../web/public/summary.js' as string);
const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) console.warn(`browser tests skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);

const quiet = { out: () => {}, err: () => {} };

describe.skipIf(!available)('dashboard in Chromium', () => {
  let server: Server;
  let base: string;
  let browser: Browser;
  let page: Page;
  let fixture: DashboardFixture;
  const errors: string[] = [];

  const open = async (result: string, compare?: string) => {
    await page.goto(`${base}/?result=${result}${compare ? `&compare=${compare}` : ''}`);
    await ready(compare ? `${result}|${compare}` : result);
  };
  const ready = (value: string) => page.waitForFunction((v) => document.body.dataset.ready === v, value, { timeout: 30_000 });
  const data = async (key: string) => page.locator('#timeline').getAttribute(`data-${key}`);
  const shoot = (name: string, selector?: string) =>
    selector ? page.locator(selector).screenshot({ path: `test-output/${name}.png` }) : page.screenshot({ path: `test-output/${name}.png`, fullPage: true });

  beforeAll(async () => {
    fixture = await makeDashboardResults();
    server = await new Promise<Server>((resolve) => {
      const s = createApp({ resultsDir: fixture.resultsDir, scenariosDir: 'scenarios', maxJobs: 1, topologiesDir: fixture.topologiesDir }).listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
    mkdirSync('test-output', { recursive: true });
    await open('default');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('loads without console errors: the table and the step-time bars on one scale first (dashboard.png)', async () => {
    expect(errors).toEqual([]);
    expect(await page.locator('#summary-table tbody tr').count()).toBe(4);
    expect(await page.locator('#step-bars rect.step-bar').count()).toBe(4);
    // The bars share one scale: their widths are proportional to the step times.
    const widths = await page.locator('#step-bars rect.step-bar').evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('width'))));
    const result = JSON.parse(readFileSync(join(fixture.resultsDir, 'default', 'result.json'), 'utf8'));
    const steps = result.schedules.map((m: { stepTimeUs: number }) => m.stepTimeUs);
    widths.forEach((w, i) => expect(w / widths[0]!).toBeCloseTo(steps[i] / steps[0], 3));
    // The overview sits above the fold, and the timeline is not squeezed into a scrolling box.
    expect((await page.locator('#overview').boundingBox())!.y + (await page.locator('#overview').boundingBox())!.height).toBeLessThan(1000);
    expect(await page.locator('#timeline-wrap').evaluate((e) => getComputedStyle(e).overflowY)).toBe('visible');
    expect(await page.inputValue('#scenario-select')).toBe('default');
    await shoot('dashboard');
  });

  it('explains every column of the table on hover over its header, exposed comm included', async () => {
    const heads = page.locator('#summary-table thead th');
    const titles = await heads.evaluateAll((ths) => ths.map((t) => [t.textContent, t.getAttribute('title')]));
    // Each one's explanation whole, as summary.js holds it (escaped into the attribute and back).
    for (const [column, title] of titles) if (column !== 'schedule') expect(title, column!).toBe(COLUMN_HELP[column!]);
    expect(Object.fromEntries(titles)['exposed comm']).toMatch(/^exposed communication: share of the step a GPU communicates while none of its compute runs/);
  });

  it('draws every schedule in its own collapsible block on a shared time axis (timeline-collapse.png)', async () => {
    const drawn = JSON.parse((await data('drawn'))!) as number[];
    expect(drawn).toHaveLength(4);
    for (const n of drawn) expect(n).toBeGreaterThan(10);
    // The bar in each block's header is the step time on a common scale, and says so on hover.
    expect(await page.locator('.tl-block .tl-bar').first().getAttribute('title')).toMatch(/^step time [\d.]+ (µs|ms), on one scale with the other schedules' bars/);
    await page.locator('.tl-block').nth(0).locator('.tl-toggle').click();
    expect(JSON.parse((await data('drawn'))!)[0]).toBe(0);
    expect(await page.locator('.tl-block').nth(0).locator('canvas').isHidden()).toBe(true);
    await shoot('timeline-collapse', '#timeline-wrap');
    await page.locator('.tl-block').nth(0).locator('.tl-toggle').click();
    expect(JSON.parse((await data('drawn'))!)[0]).toBeGreaterThan(10);
  });

  it('zooming with the wheel narrows the visible time range of every block at once', async () => {
    const domain = async () => Number(await data('domain-end')) - Number(await data('domain-start'));
    const before = await domain();
    const box = (await page.locator('.tl-canvas').nth(1).boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + 40);
    await page.mouse.wheel(0, -600);
    await page.waitForFunction((w) => {
      const c = document.getElementById('timeline')!;
      return Number(c.dataset.domainEnd) - Number(c.dataset.domainStart) < w;
    }, before);
    expect(await domain()).toBeLessThan(before);
    await page.click('#zoom-reset');
  });

  it('keeps tick labels distinct at five zoom levels (timeline-zoom-1..5.png)', async () => {
    await page.click('#zoom-reset');
    const center = (Number(await data('domain-end')) + Number(await data('domain-start'))) / 2.7;
    let previous = Infinity;
    for (let level = 1; level <= 5; level++) {
      await page.evaluate(([k, t]) => (window as any).epsim.zoomAt(k, t), [level === 1 ? 4 : 12, center]);
      const width = Number(await data('domain-end')) - Number(await data('domain-start'));
      expect(width).toBeLessThan(previous);
      previous = width;
      const ticks = JSON.parse((await data('ticks'))!) as string[];
      expect(ticks.length).toBeGreaterThanOrEqual(3);
      expect(new Set(ticks).size).toBe(ticks.length);
      await shoot(`timeline-zoom-${level}`, '.tl-block >> nth=2');
    }
    expect(previous).toBeLessThan(200); // the deepest level shows a few hundred ns at most
    await page.click('#zoom-reset');
  });

  it('draws TBO\'s second micro-batch hatched, and exposed communication as its own mark (tbo-microbatches.png)', async () => {
    expect(await page.locator('#legend .swatch.hatched').textContent()).toMatch(/micro-batch 1/);
    expect(await page.locator('#legend .swatch.exposed').count()).toBe(1);
    await page.evaluate(() => (window as any).epsim.zoomTo(0, 40_000));
    await shoot('tbo-microbatches', '.tl-block >> nth=2');
    await page.click('#zoom-reset');
  });

  it('gives each op kind one colour in every result (palette.png)', async () => {
    const used = async (name: string) => JSON.parse((await data('colours'))!)[name] as Record<string, string>;
    const tiny = await used('default');
    await open('a2a-small');
    const a2a = await used('a2a-small');
    // The two results list their kinds in different orders, so a per-result colour scale would differ.
    const kinds = (name: string) => JSON.parse(readFileSync(join(fixture.resultsDir, name, 'timeline.json'), 'utf8')).kinds as string[];
    expect(kinds('default').indexOf('dispatch')).not.toBe(kinds('a2a-small').indexOf('dispatch'));
    // The palette the page itself loads (web/public/palette.js).
    // (a string, so the test runner leaves the page's dynamic import alone)
    const KIND_COLOURS = (await page.evaluate("import('/palette.js').then((m) => m.KIND_COLOURS)")) as Record<string, string>;
    for (const kind of ['dispatch', 'combine']) {
      expect(a2a[kind]).toBe(tiny[kind]);
      expect(a2a[kind]).toBe(KIND_COLOURS[kind]);
    }
    for (const [kind, colour] of Object.entries(tiny)) expect(colour).toBe(KIND_COLOURS[kind]);
    // Side by side too: both results' blocks draw dispatch alike.
    await open('default', 'a2a-small');
    const both = JSON.parse((await data('colours'))!);
    expect(both['a2a-small'].dispatch).toBe(both.default.dispatch);
    await shoot('palette', '#legend');
  });

  it('names the slowest GPUs of a scenario whose routing makes one GPU hot, and jumps to them (stragglers.png)', async () => {
    await open('hot-gpu');
    expect(JSON.parse((await page.locator('#gpus').getAttribute('data-slowest'))!)[0]).toBe(HOT_GPU);
    expect(await page.locator('#straggler-headline').textContent()).toMatch(new RegExp(`slowest GPUs ${HOT_GPU}, `));
    expect(await page.locator('#straggler-table tbody tr').first().getAttribute('data-gpu')).toBe(String(HOT_GPU));
    expect(await page.locator('#overview-straggler').textContent()).toMatch(new RegExp(`Slowest GPU: gpu ${HOT_GPU} in `));
    expect(await page.locator('#straggler-headline').textContent()).toMatch(/expert tokens|costs up to/);
    expect(await page.locator('#heat-strip').count()).toBe(1);
    await shoot('stragglers', '#gpus');
    await page.click('#jump-slowest');
    expect(Number(await data('gpu-start'))).toBe(HOT_GPU - 1);
    await page.selectOption('#heat-metric', 'gemm');
    await page.locator('#gpu-schedules button[data-schedule="tbo"]').click();
    expect(await page.locator('#gpus').getAttribute('data-schedule')).toBe('tbo');
    // Clicking the strip shows that GPU at that moment.
    const strip = (await page.locator('#heat-strip').boundingBox())!;
    const rowPx = Number(await page.locator('#heat-strip').getAttribute('data-row-px'));
    const left = Number(await page.locator('#heat-strip').getAttribute('data-left'));
    await page.mouse.click(strip.x + left + 100, strip.y + 7 * rowPx + rowPx / 2);
    expect(Number(await data('gpu-start'))).toBe(6);
    expect(Number(await data('domain-end')) - Number(await data('domain-start'))).toBeLessThan(400_000 / 5);
    await shoot('stragglers-jump');
  });

  it('labels the heat strip\'s time axis and its totals apart, and says what its colours and bars mean (heat-strip.png)', async () => {
    await open('hot-gpu');
    // Record the strip's text as it is drawn: where each label starts and ends.
    await page.evaluate(() => {
      const texts: { text: string; x0: number; x1: number; y: number }[] = ((window as any).heatTexts = []);
      const fillText = ((window as any).originalFillText = CanvasRenderingContext2D.prototype.fillText);
      CanvasRenderingContext2D.prototype.fillText = function (text: string, x: number, y: number) {
        if (this.canvas.id === 'heat-strip') {
          const w = this.measureText(text).width;
          const x0 = this.textAlign === 'right' || this.textAlign === 'end' ? x - w : this.textAlign === 'center' ? x - w / 2 : x;
          texts.push({ text, x0, x1: x0 + w, y });
        }
        return fillText.call(this, text, x, y);
      };
    });
    await page.selectOption('#heat-metric', 'gemm');
    const drawn = (await page.evaluate(() => (window as any).heatTexts)) as { text: string; x0: number; x1: number; y: number }[];
    // Under the strip: what is drawn below the last GPU's label.
    const lastRow = Math.max(...drawn.filter((t) => t.text.startsWith('gpu ')).map((t) => t.y));
    const below = drawn.filter((t) => t.y > lastRow);
    // The time axis (0 and the step's end) and the totals' scale: three labels, no more.
    expect(below.map((t) => t.text)).toEqual(['0', expect.stringMatching(/^[\d.]+ (ns|µs|ms)$/), expect.stringMatching(/^bars: total per GPU, longest [\d.]+ (ns|µs|ms)$/)]);
    // Labels on one line keep a clear gap (16 px), so the step's end and the longest total read as two figures.
    for (const a of below) for (const b of below) if (a !== b && a.y === b.y && a.x0 <= b.x0) expect(b.x0 - a.x1, `"${a.text}" and "${b.text}"`).toBeGreaterThanOrEqual(16);
    const width = Number(await page.locator('#heat-strip').evaluate((c) => (c as HTMLCanvasElement).clientWidth));
    for (const t of below) expect(t.x1, t.text).toBeLessThanOrEqual(width);
    expect(await page.locator('#heat-caption').textContent()).toMatch(/colour = share of the time in expert GEMM, dark purple 0% to yellow 100%; the bars right of it: each GPU's expert GEMM over the whole step/);
    await shoot('heat-strip', '#gpus');
    await page.evaluate(() => (CanvasRenderingContext2D.prototype.fillText = (window as any).originalFillText));
    await page.selectOption('#heat-metric', 'busy');
  });

  it('compares two results: both tables and the differences, the timelines aligned (compare.png)', async () => {
    await open('default');
    await page.locator('#results li[data-name="hot-gpu"] button.compare').click();
    await ready('default|hot-gpu');
    const rows = page.locator('#compare-table tbody tr');
    expect(await rows.count()).toBe(3 + 2 + 3 + 2); // A, B, B − A where both ran the schedule; A, B (—) where only A did
    expect(await rows.nth(0).locator('td').nth(1).textContent()).toBe('A default');
    expect(await rows.nth(1).locator('td').nth(1).textContent()).toBe('B hot-gpu');
    expect(await rows.nth(2).locator('td').nth(1).textContent()).toBe('B − A');
    const a = JSON.parse(readFileSync(join(fixture.resultsDir, 'default', 'result.json'), 'utf8')).schedules[0].stepTimeUs;
    const b = JSON.parse(readFileSync(join(fixture.resultsDir, 'hot-gpu', 'result.json'), 'utf8')).schedules[0].stepTimeUs;
    expect(await rows.nth(2).locator('td').nth(2).textContent()).toBe(`+${(((b - a) / a) * 100).toFixed(1)}%`);
    // One block per schedule and result, A then B, on one time axis; B's says how it differs.
    const labels = await page.locator('.tl-block .tl-title b').allTextContents();
    expect(labels.slice(0, 2)).toEqual(['A default · serial', 'B hot-gpu · serial']);
    expect(await page.locator('.tl-block').nth(1).locator('.tl-note').textContent()).toMatch(/against A/);
    expect(Number(await data('domain-end'))).toBeGreaterThanOrEqual(b * 1000 - 1);
    expect(await page.locator('#step-bars rect.step-bar').count()).toBe(6);
    await shoot('compare');
    await page.click('#stop-compare');
    await ready('default');
  });

  it('marks an emulated schedule with * in the comparison table too, as its notes say (compare-emulated.png)', async () => {
    await open('default', 'hot-gpu');
    const single = (await (await fetch(`${base}/api/results/default/summary`)).json()).rows.map((r: string[]) => r[0]);
    expect(single).toContain('shared-overlap*');
    const names = await page.locator('#compare-table tbody tr.a td:first-child').allTextContents();
    // hot-gpu runs serial and tbo only: the schedules of A, each marked as A's own table marks it.
    expect(names).toEqual(single);
    expect(await page.locator('#summary-notes').textContent()).toContain('A: * shared-overlap is emulated');
    await shoot('compare-emulated', '#overview');
  });

  it('picks up a result the CLI writes while the page is open, and redraws the one shown when it is rewritten (live-refresh.png)', async () => {
    await open('hot-gpu');
    await page.waitForFunction(() => document.getElementById('live')!.dataset.connected === '1');
    expect(await main(['run', fixture.scenarios.hot, '--out', join(fixture.resultsDir, 'from-cli'), '--threads', '1'], quiet)).toBe(0);
    await page.waitForSelector('#results li.new[data-name="from-cli"]', { timeout: 15_000 });
    expect(await page.locator('#results li').first().getAttribute('data-name')).toBe('from-cli');
    await shoot('live-refresh');
    // The shown result is rewritten by the CLI: the page reloads it by itself.
    await page.evaluate(() => (document.body.dataset.ready = 'stale'));
    expect(await main(['run', fixture.scenarios.hot, '--out', join(fixture.resultsDir, 'hot-gpu'), '--threads', '1'], quiet)).toBe(0);
    await page.waitForFunction(() => document.body.dataset.updated?.split(',').includes('hot-gpu') && document.body.dataset.ready === 'hot-gpu', null, { timeout: 15_000 });
    expect(errors, errors.join('\n')).toEqual([]);
  });

  it('links trace.chrome.json for download', async () => {
    const href = (await page.locator('#download-chrome').getAttribute('href'))!;
    const res = await fetch(base + href);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="?hot-gpu\.trace\.chrome\.json"?$/);
    const trace = await res.json();
    expect(trace.traceEvents.some((e: { ph: string }) => e.ph === 's')).toBe(true);
  });

  it('says which GPUs a partial trace.chrome.json holds, next to its link', async () => {
    expect(await page.locator('#result-links .trace-gpus').count()).toBe(0); // hot-gpu: every GPU
    expect(await main(['run', fixture.scenarios.hot, '--out', join(fixture.resultsDir, 'hot-some-gpus'), '--threads', '1', '--trace-gpus', '2-3,5'], quiet)).toBe(0);
    await open('hot-some-gpus');
    expect(await page.locator('#result-links .trace-gpus').textContent()).toBe('(GPUs 2-3, 5 of 8; every GPU with epsim run --trace-gpus all)');
    expect(errors, errors.join('\n')).toEqual([]);
  });

  it('shows MFU for training (train-mfu.png)', async () => {
    await open('train-small');
    const head = await page.locator('#summary-table thead th').allTextContents();
    expect(head).toContain('MFU');
    expect(head).not.toContain('TPOT ms');
    expect(await page.locator('#summary-table tbody tr').first().locator('td').nth(head.indexOf('MFU')).textContent()).toMatch(/^\d+\.\d%$/);
    await shoot('train-mfu', '#overview');
  });

  it('shows the a2a benchmark\'s dispatch and combine bandwidth next to DeepEP\'s published figures, without per-token columns (a2a.png)', async () => {
    await open('a2a-small');
    const head = await page.locator('#summary-table thead th').allTextContents();
    expect(head).toEqual(['schedule', 'dispatch', 'dispatch GB/s', 'combine', 'combine GB/s', 'DeepEP GB/s']);
    expect(await page.locator('#summary-table tbody td').last().textContent()).toBe('43 / 43 (RDMA)');
    expect(await page.locator('#bandwidth-bars rect').count()).toBe(4);
    expect(await page.locator('#summary-notes').textContent()).toMatch(/deepseek-ai\/DeepEP README, commit 3b1045d/);
    await shoot('a2a', '#overview');
  });

  it('says what does not fit in memory, part by part (memory-nofit.png)', async () => {
    await open('nofit');
    const warn = await page.locator('#summary-notes li.warn').allTextContents();
    expect(warn).toHaveLength(2);
    expect(warn[0]).toMatch(/^serial does not fit in GPU memory: [\d.]+ GiB per GPU = weights [\d.]+ \+ KV cache [\d.]+ \+ activations (<0\.1|[\d.]+) \+ buffers [\d.]+ GiB$/);
    await shoot('memory-nofit', '#overview');
  });

  it('shows the routing that was simulated, per layer of the fitted model, with the raw trace as its source (routing-fitted.png)', async () => {
    // nofit's routing is the tiny trace fitted to LongCat-Flash's 28 layers of 512 + 256 experts, top-12.
    expect(await page.locator('#routing-simulated').textContent()).toMatch(/Simulated: 28 MoE layers of longcat-flash, 512 FFN \+ 256 zero experts, top-12/);
    expect(await page.locator('#routing-sim-per-layer rect.bar').count()).toBe(28);
    expect(await page.locator('#routing-sim-histogram rect.bar').count()).toBe(13);
    expect(await page.locator('#routing-sim-heatmap').count()).toBe(1);
    expect(await page.locator('#routing-trace summary').textContent()).toMatch(/source: the raw trace \(tiny: 2 MoE layers, 32 FFN \+ 16 zero experts, top-6/);
    expect(await page.locator('#routing-trace').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    await shoot('routing-fitted', '#routing');
  });

  it('says where the simulated routing came from without repeating its kind ("fitted: fitted from trace"), the description as the simulator wrote it (routing-source.png)', async () => {
    for (const name of ['nofit', 'default']) {
      await open(name);
      const { source } = JSON.parse(readFileSync(join(fixture.resultsDir, name, 'routing.json'), 'utf8'));
      // fitted: "fitted from trace …"; trace: "trace traces/tiny.trace (…), replayed exactly"
      expect(source.description.startsWith(`${source.kind} `), name).toBe(true);
      const line = (await page.locator('#routing-simulated > p > span.hint').textContent())!;
      expect(line, name).toBe(`${source.description} (the raw trace is below)`);
      expect(await page.locator('#routing-simulated').textContent(), name).not.toContain(`${source.kind}: ${source.kind}`);
      if (name === 'nofit') await shoot('routing-source', '#routing-simulated');
    }
  });

  it('prints the routing description once, in the routing section; the header names only the kind and the trace file (routing-header.png)', async () => {
    for (const name of ['nofit', 'default', 'a2a-small']) {
      await open(name);
      const { trace } = JSON.parse(readFileSync(join(fixture.resultsDir, name, 'result.json'), 'utf8'));
      const text = await page.evaluate(() => document.body.innerText);
      expect(text.split(trace.description).length - 1, `${name}: times the description is shown`).toBe(1);
      expect(await page.locator('#routing').innerText(), name).toContain(trace.description);
      expect(await page.locator('#result-notes').textContent(), name).toBe(`routing: ${trace.kind}${trace.file ? ` (${trace.file})` : ''}, details under Routing`);
      if (name === 'nofit') await shoot('routing-header', '#result-head');
    }
    // A result without routing.json (written before it existed): the routing section still describes the routing.
    const old = join(fixture.resultsDir, 'default-no-routing-json');
    mkdirSync(old);
    for (const f of ['result.json', 'timeline.json']) copyFileSync(join(fixture.resultsDir, 'default', f), join(old, f));
    try {
      await page.goto(`${base}/?result=default-no-routing-json`);
      await ready('default-no-routing-json');
      const { description } = JSON.parse(readFileSync(join(old, 'result.json'), 'utf8')).trace;
      expect(await page.locator('#routing-source').textContent()).toBe(`Simulated: ${description}`);
      expect((await page.evaluate(() => document.body.innerText)).split(description).length - 1).toBe(1);
    } finally {
      rmSync(old, { recursive: true, force: true });
    }
  });

  it('labels both axes of the routing bar charts, inside the chart and clear of the tick labels (routing-axes.png)', async () => {
    const labelsOf = (id: string) =>
      page.locator(`#${id}`).evaluate((svg) => {
        const box = (e: Element) => e.getBoundingClientRect();
        const outer = box(svg);
        const axes = Array.from(svg.querySelectorAll(':scope > g'));
        const ticks = (g: Element | undefined) => (g ? Array.from(g.querySelectorAll('.tick text')) : []).map(box);
        const label = (cls: string) => {
          const e = svg.querySelector(`text.axis-label.${cls}`);
          return e ? { text: e.textContent, ...box(e).toJSON() } : undefined;
        };
        return { outer: outer.toJSON(), x: label('x-label'), y: label('y-label'), xTicks: ticks(axes[0]).map((b) => b.bottom), yTicks: ticks(axes[1]).map((b) => b.left) };
      });
    const expected: [string, string, string, string][] = [
      ['nofit', 'routing-sim-per-layer', 'MoE layer', 'FFN experts / token'],
      ['nofit', 'routing-sim-histogram', 'FFN experts per token (of top-12)', 'tokens x layers'],
      ['default', 'routing-histogram', 'FFN experts per token (of top-6)', 'tokens x layers'],
    ];
    for (const [result, id, x, y] of expected) {
      await open(result);
      const c = await labelsOf(id);
      expect([c.x?.text, c.y?.text], id).toEqual([x, y]);
      for (const l of [c.x!, c.y!]) {
        expect(l.left, `${id} ${l.text}`).toBeGreaterThanOrEqual(c.outer.left);
        expect(l.right, `${id} ${l.text}`).toBeLessThanOrEqual(c.outer.right);
        expect(l.bottom, `${id} ${l.text}`).toBeLessThanOrEqual(c.outer.bottom);
      }
      // Under the x tick labels, left of the y tick labels.
      expect(c.x!.top, id).toBeGreaterThan(Math.max(...c.xTicks));
      expect(c.y!.right, id).toBeLessThan(Math.min(...c.yTicks));
      if (id === 'routing-sim-histogram') await shoot('routing-axes', '#routing-simulated');
    }
  });

  it('renders the sweep frontier with the recommendation, and the raw routing view (sweep-frontier-run.png)', async () => {
    await open('default');
    const sweep = JSON.parse(readFileSync(join(fixture.resultsDir, 'default', 'sweep.json'), 'utf8'));
    expect(await page.locator('#sweep svg.frontier-chart').count()).toBe(1);
    // The page may first show the folder's earlier sweep and redraw when the live refresh brings
    // the new sweep.json: wait for the redraw (up to 10 s), then check.
    const drawn = sweep.points.filter((p: { metrics?: unknown }) => p.metrics).length;
    await page.waitForFunction((n) => document.querySelectorAll('#sweep circle.point').length === n, drawn, { timeout: 10_000 }).catch(() => {});
    expect(await page.locator('#sweep circle.point').count()).toBe(drawn);
    expect(await page.locator('#sweep circle.on-frontier').count()).toBe(sweep.frontier.ids.length);
    expect(await page.locator('#sweep circle.recommended').getAttribute('data-id')).toBe(String(sweep.answer.id));
    expect(await page.locator('#sweep-answer').textContent()).toMatch(/^recommended: EP (8|16) · \S+: [\d,]+ tokens\/s per GPU/);
    expect(await page.locator('#routing-tokens span').count()).toBeGreaterThan(100);
    expect(await page.locator('#routing-histogram rect.bar').count()).toBe(7);
    expect(await page.locator('#routing-heatmap').count()).toBe(1);
    await shoot('sweep-frontier-run', '#sweep');
  });

  it('lists a sweep on its own and draws it: frontier, faded points, the recommended point, hover for the layout (sweep-frontier.png)', async () => {
    await open('default');
    const sweep = JSON.parse(readFileSync(join(fixture.resultsDir, SWEEP_ONLY, 'sweep.json'), 'utf8'));
    const item = page.locator(`#results li[data-name="${SWEEP_ONLY}"]`);
    expect(await item.textContent()).toContain(`sweep only: ${sweep.points.length} points`);
    await item.click();
    await ready(SWEEP_ONLY);
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
    await shoot('sweep-frontier');
    expect(errors, errors.join('\n')).toEqual([]);
  });

  it('keeps the latency target\'s label inside the chart when the target sits at its right edge (sweep-target-edge.png)', async () => {
    await open(SWEEP_ONLY);
    const sweep = JSON.parse(readFileSync(join(fixture.resultsDir, SWEEP_ONLY, 'sweep.json'), 'utf8'));
    // The target where the fastest point per user is: its line near the right end of the x axis.
    const fastest = Math.max(...sweep.points.filter((p: { metrics?: unknown }) => p.metrics).map((p: { metrics: { tokensPerSecPerUser: number } }) => p.metrics.tokensPerSecPerUser));
    sweep.targets = { ...sweep.targets, tpotMs: 1000 / fastest };
    await page.evaluate(`import('/sweep.js').then((m) => m.drawSweep(document.getElementById('sweep'), ${JSON.stringify(sweep)}))`);
    const chart = (await page.locator('#sweep svg.frontier-chart').boundingBox())!;
    const line = (await page.locator('#sweep .target-line').boundingBox())!;
    const label = (await page.locator('#sweep .target-label').boundingBox())!;
    expect(line.x).toBeGreaterThan(chart.x + chart.width * 0.8);
    expect(label.x).toBeGreaterThanOrEqual(chart.x);
    expect(label.x + label.width).toBeLessThanOrEqual(chart.x + chart.width);
    await shoot('sweep-target-edge', '#sweep');
    await open(SWEEP_ONLY);
  });

  it('sets a sweep with no recommendation apart from a recommendation: a warning with the reason and, as the CLI says, the lowest TPOT that fits, not the green answer box (sweep-no-answer.png)', async () => {
    const look = async () => page.locator('#sweep-answer').evaluate((e) => ({ cls: e.className, background: getComputedStyle(e).backgroundColor, border: getComputedStyle(e).borderLeftColor }));
    await open(SWEEP_ONLY);
    const answered = await look();
    await open(NO_ANSWER);
    const sweep = JSON.parse(readFileSync(join(fixture.resultsDir, NO_ANSWER, 'sweep.json'), 'utf8'));
    expect(sweep.answer).toBeUndefined();
    expect(sweep.recommendation.note).toMatch(/^no point that fits in memory reaches TPOT <= 0\.001 ms/);
    // The reason stays readable, word for word, and says how close the sweep came as the CLI does:
    // the lowest TPOT that fits, and where (the fixture's point, then the CLI's own line).
    const low = sweep.recommendation.lowestTpot;
    expect(low).toMatchObject({ ep: expect.any(Number), schedule: expect.any(String), tpotMs: expect.any(Number) });
    const text = await page.locator('#sweep-answer').textContent();
    expect(text).toBe(`no recommendation: ${sweep.recommendation.note}; the lowest TPOT that fits is ${low.tpotMs.toFixed(3)} ms (EP ${low.ep}, ${low.schedule})`);
    expect(text!.replace(/^no recommendation: /, 'answer: ')).toBe(cliAnswerText(sweep));
    const none = await look();
    expect(none.cls).toMatch(/\bno-answer\b/);
    expect(answered.cls).not.toMatch(/\bno-answer\b/);
    expect(none.background).not.toBe(answered.background);
    expect(none.border).not.toBe(answered.border);
    await shoot('sweep-no-answer', '#sweep');
  });

  it('names the scenario, not the folder, in the command it suggests, with --out where the folder is not the default one', async () => {
    const elsewhere = join(fixture.resultsDir, 'default-elsewhere');
    mkdirSync(elsewhere);
    for (const f of ['result.json', 'timeline.json', 'routing.json']) copyFileSync(join(fixture.resultsDir, 'default', f), join(elsewhere, f));
    try {
      await page.goto(`${base}/?result=default-elsewhere`);
      await ready('default-elsewhere');
      expect(await page.locator('#sweep').textContent()).toBe('no sweep for this result (run epsim sweep scenarios/default.yaml --out <results folder>/default-elsewhere)');
      await open('hot-gpu'); // its scenario is not one of scenarios/
      expect(await page.locator('#sweep').textContent()).toBe('no sweep for this result (run epsim sweep <the scenario file of hot-gpu>)');
      await open(SWEEP_ONLY);
      expect(await page.locator('#result-notes').textContent()).toBe(`a sweep on its own: run epsim run <the scenario file of ${SWEEP_ONLY}> for its timeline`);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('starts a sweep from the page, shows its progress, then draws it (sweep-progress.png)', async () => {
    await open('default');
    await page.selectOption('#scenario-select', 'default');
    await page.click('#sweep-button');
    await page.waitForFunction(() => /\d+\/\d+ points/.test(document.getElementById('run-status')!.textContent ?? '') || /sweep done$/.test(document.getElementById('run-status')!.textContent ?? ''), null, { timeout: 60_000 });
    await shoot('sweep-progress', '#run-panel');
    await page.waitForFunction(() => /sweep done$/.test(document.getElementById('run-status')!.textContent ?? ''), null, { timeout: 150_000 });
    await ready('default');
    const events = Number(await page.locator('#run-status').getAttribute('data-progress-events'));
    const sweep = JSON.parse(readFileSync(join(fixture.resultsDir, 'default', 'sweep.json'), 'utf8'));
    // default.yaml sweeps EP 2, 4, 8, 16 x its 4 schedules: one progress event per point.
    expect(sweep.points).toHaveLength(16);
    expect(events).toBe(16);
    expect(await page.locator('#sweep circle.point').count()).toBe(sweep.points.filter((p: { metrics?: unknown }) => p.metrics).length);
    expect(errors, errors.join('\n')).toEqual([]);
  }, 180_000);

  it('starts a run from the page, shows progress, then the result', async () => {
    await page.selectOption('#scenario-select', 'default');
    await page.click('#run-button');
    await page.waitForFunction(() => /done$/.test(document.getElementById('run-status')!.textContent ?? ''), null, { timeout: 60_000 });
    await ready('default');
    expect(errors, errors.join('\n')).toEqual([]);
  }, 90_000);

  it('runs a scenario on the user\'s own topology, from the server\'s folder or uploaded inline (custom-topology.png)', async () => {
    await page.selectOption('#scenario-select', 'default');
    await page.selectOption('#topology-select', { label: 'h800-2node-slow-nic (16 x H800 SXM5)' });
    await page.waitForFunction(() => /topology: \S*slow-nic\.yaml/.test((document.getElementById('yaml') as HTMLTextAreaElement).value));
    await page.fill('#yaml', (await page.inputValue('#yaml')).replace('name: default', 'name: default-slow-nic'));
    await page.click('#run-button');
    await page.waitForFunction(() => /default-slow-nic: done$/.test(document.getElementById('run-status')!.textContent ?? ''), null, { timeout: 60_000 });
    await ready('default-slow-nic');
    expect(await page.locator('#result-title').textContent()).toMatch(/on h800-2node-slow-nic \(16 GPUs/);
    // The same file uploaded: inlined under topology: in the scenario.
    await page.selectOption('#topology-select', '@upload');
    await page.setInputFiles('#topology-file', join(fixture.topologiesDir, 'slow-nic.yaml'));
    await page.waitForFunction(() => /\ntopology:\n( {2}#.*\n)* {2}name: h800-2node-slow-nic\n/.test((document.getElementById('yaml') as HTMLTextAreaElement).value));
    await page.fill('#yaml', (await page.inputValue('#yaml')).replace('name: default-slow-nic', 'name: default-inline'));
    await page.click('#run-button');
    await page.waitForFunction(() => /default-inline: done$/.test(document.getElementById('run-status')!.textContent ?? ''), null, { timeout: 60_000 });
    await ready('default-inline');
    expect(JSON.parse(readFileSync(join(fixture.resultsDir, 'default-inline', 'result.json'), 'utf8')).topology.source).toBe('posted.yaml (topology inline)');
    await shoot('custom-topology');
    expect(errors).toEqual([]);
  }, 120_000);

  it('opens on the newest result when the address names none (what npm start\'s page shows first)', async () => {
    const { readdirSync, statSync } = await import('node:fs');
    const newest = readdirSync(fixture.resultsDir)
      .filter((n) => !n.startsWith('.') && existsSync(join(fixture.resultsDir, n, 'result.json')))
      .sort((a, b) => statSync(join(fixture.resultsDir, b, 'result.json')).mtimeMs - statSync(join(fixture.resultsDir, a, 'result.json')).mtimeMs)[0]!;
    await page.goto(`${base}/`);
    await ready(newest);
    expect(await page.locator('#results li').first().getAttribute('data-name')).toBe(newest);
    expect(await page.locator('#results li.selected').getAttribute('data-name')).toBe(newest);
  });

  it('shows a broken posted scenario\'s errors verbatim', async () => {
    await page.click('#yaml-details summary');
    await page.fill('#yaml', 'name: x\ntopology: h800-1node\nparallel: { ep: 3 }\n');
    await page.click('#run-button');
    await page.waitForSelector('#run-errors:not([hidden])');
    expect(await page.locator('#run-errors').textContent()).toBe('posted.yaml:1:1: workload: missing required field (expected object)');
    await shoot('dashboard-error', '#run-panel');
  });

  it('says why a result cannot be shown (a missing timeline.json, a broken result.json, no such result) instead of keeping the last one (result-missing.png)', async () => {
    await open('default');
    const before = errors.length;
    const noTimeline = join(fixture.resultsDir, 'no-timeline');
    const badJson = join(fixture.resultsDir, 'bad-json');
    mkdirSync(noTimeline);
    copyFileSync(join(fixture.resultsDir, 'default', 'result.json'), join(noTimeline, 'result.json'));
    mkdirSync(badJson);
    writeFileSync(join(badJson, 'result.json'), '{"schedules": [');
    try {
      await page.goto(`${base}/?result=default`);
      await ready('default');
      await page.locator('#results li[data-name="no-timeline"]').click();
      await ready('no-timeline');
      expect(await page.locator('#result-title').textContent()).toBe('no-timeline: cannot be shown');
      expect(await page.locator('#result-error').textContent()).toBe('no timeline.json for result "no-timeline"');
      // Nothing of the result shown before is left under the new name.
      expect(await page.locator('#summary-table').count()).toBe(0);
      expect(await page.locator('.tl-block').count()).toBe(0);
      expect(await page.locator('#step-bars').count()).toBe(0);
      await shoot('result-missing');
      await page.locator('#results li[data-name="bad-json"]').click();
      await ready('bad-json');
      expect(await page.locator('#result-error').textContent()).toMatch(/^result\.json of "bad-json" is not valid JSON/);
      await page.goto(`${base}/?result=no-such-result`);
      await ready('no-such-result');
      expect(await page.locator('#result-error').textContent()).toBe('no result.json for result "no-such-result"');
      expect(await page.locator('#result-notes').textContent()).toMatch(/has no "no-such-result"; pick a result from the list/);
      // The 404s themselves are expected; an uncaught error in the page is not.
      const added = errors.splice(before);
      expect(added.filter((e) => !/^(4\d\d http|Failed to load resource)/.test(e))).toEqual([]);
    } finally {
      rmSync(noTimeline, { recursive: true, force: true });
      rmSync(badJson, { recursive: true, force: true });
    }
  });

  it('hides the Timeline heading, its controls and the empty sections under a result that cannot be shown, and brings them back for one that can (result-cannot-show.png)', async () => {
    const sections = ['#timeline-heading', '#timeline-controls', '#zoom-reset', '#collapse-all', '#gpus-heading', '#gpus', '#sweep', '#routing'];
    const visible = async () => Object.fromEntries(await Promise.all(sections.map(async (s) => [s, await page.locator(s).isVisible()])));
    const headings = async () => page.locator('#content > h3').evaluateAll((hs) => hs.filter((h) => (h as HTMLElement).offsetParent !== null).map((h) => h.textContent));
    const all = (shown: boolean) => Object.fromEntries(sections.map((s) => [s, shown]));
    const noTimeline = join(fixture.resultsDir, 'no-timeline-controls');
    mkdirSync(noTimeline);
    copyFileSync(join(fixture.resultsDir, 'default', 'result.json'), join(noTimeline, 'result.json'));
    const before = errors.length;
    try {
      await page.goto(`${base}/?result=default`);
      await ready('default');
      expect(await visible()).toEqual(all(true));
      await page.locator('#results li[data-name="no-timeline-controls"]').click();
      await ready('no-timeline-controls');
      expect(await page.locator('#result-title').textContent()).toBe('no-timeline-controls: cannot be shown');
      expect(await page.locator('#result-error').isVisible()).toBe(true);
      expect(await visible()).toEqual(all(false));
      expect(await headings()).toEqual([]);
      await shoot('result-cannot-show');
      // A result that can be shown brings them back, its timeline drawn the full width of its box.
      await page.locator('#results li[data-name="default"]').click();
      await ready('default');
      expect(await visible()).toEqual(all(true));
      expect(await page.locator('.tl-block').count()).toBeGreaterThan(0);
      const wrap = (await page.locator('#timeline-wrap').boundingBox())!;
      expect((await page.locator('.tl-canvas').first().boundingBox())!.width).toBeGreaterThan(wrap.width * 0.9);
      // And so does a sweep on its own: its sweep, drawn.
      await page.locator('#results li[data-name="no-timeline-controls"]').click();
      await ready('no-timeline-controls');
      await page.locator(`#results li[data-name="${SWEEP_ONLY}"]`).click();
      await ready(SWEEP_ONLY);
      expect(await headings()).toEqual(['Sweep']);
      expect(await page.locator('#sweep svg.frontier-chart').isVisible()).toBe(true);
      expect(errors.splice(before).filter((e) => !/^(4\d\d http|Failed to load resource)/.test(e))).toEqual([]);
    } finally {
      rmSync(noTimeline, { recursive: true, force: true });
    }
  });
});
