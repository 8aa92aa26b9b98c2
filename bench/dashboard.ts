// Dashboard speed in headless Chromium (Debian's /usr/bin/chromium via playwright-core): how long
// the page takes to show a result (fetch, parse, first draw), how long a timeline draw takes, and
// what five wheel-zoom steps do to the visible time range and the redraw time.
// Usage: node bin/run-ts.js bench/dashboard.ts [--results DIR] [--result NAME]
// Without --results it first runs scenarios/longcat-decode-h800x128.yaml (every schedule: about a
// minute) into a temporary folder.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { writeDirAtomically } from '../sim/output/index.ts';
import { loadScenario } from '../sim/scenario/index.ts';
import { runFiles, runScenario } from '../sim/scenario/index.ts';
import { createApp } from '../web/index.ts';

const CHROMIUM = '/usr/bin/chromium';
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

if (!existsSync(CHROMIUM)) {
  console.log(`dashboard bench skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);
  process.exit(0);
}

const name = arg('result') ?? 'longcat-decode-h800x128';
let resultsDir = arg('results');
let scratch: string | undefined;
if (!resultsDir) {
  scratch = resultsDir = mkdtempSync(join(tmpdir(), 'epsim-dashboard-bench-'));
  const t = performance.now();
  const out = runScenario(await loadScenario(`scenarios/${name}.yaml`));
  writeDirAtomically(join(resultsDir, name), runFiles(out));
  console.log(`ran ${name} (${out.result.schedules.length} schedules) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
const timelineFile = join(resultsDir, name, 'timeline.json');
console.log(`timeline.json: ${(statSync(timelineFile).size / 1e6).toFixed(1)} MB`);

const server = await new Promise<Server>((resolve) => {
  const s = createApp({ resultsDir: resultsDir!, scenariosDir: 'scenarios', maxJobs: 1 }).listen(0, '127.0.0.1', () => resolve(s));
});
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // The timeline's state is on its container; the wheel goes to the first schedule's canvas.
  const canvas = page.locator('#timeline');
  const first = page.locator('.tl-canvas').first();
  const state = async () => ({
    start: Number(await canvas.getAttribute('data-domain-start')),
    end: Number(await canvas.getAttribute('data-domain-end')),
    drawMs: Number(await canvas.getAttribute('data-draw-ms')),
    drawn: JSON.parse((await canvas.getAttribute('data-drawn')) ?? '[]') as number[],
    aggregated: await canvas.getAttribute('data-aggregated'),
  });

  const t0 = performance.now();
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/?result=${name}`);
  await page.waitForFunction((n) => document.body.dataset.ready === n, name, { timeout: 120_000 });
  const readyMs = performance.now() - t0;
  let s = await state();
  console.log(
    `page ready in ${readyMs.toFixed(0)} ms (fetch, parse, first draw); first draw ${s.drawMs} ms; ` +
      `rectangles per schedule ${s.drawn.join(', ')}; aggregated ${s.aggregated}; visible ${((s.end - s.start) / 1e6).toFixed(2)} ms of simulated time`,
  );

  const box = (await first.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + 40);
  for (let step = 1; step <= 5; step++) {
    const before = s.end - s.start;
    const t = performance.now();
    await page.mouse.wheel(0, -600);
    await page.waitForFunction(
      (w) => {
        const c = document.getElementById('timeline')!;
        return Number(c.dataset.domainEnd) - Number(c.dataset.domainStart) < w;
      },
      before,
      { timeout: 30_000 },
    );
    const waitedMs = performance.now() - t;
    s = await state();
    console.log(
      `zoom ${step}: visible ${((s.end - s.start) / 1e6).toFixed(3)} ms; redraw ${s.drawMs} ms (${waitedMs.toFixed(0)} ms to settle); ` +
        `rectangles ${s.drawn.join(', ')}; aggregated ${s.aggregated}`,
    );
  }
  if (errors.length > 0) {
    console.log(`page errors: ${errors.join('; ')}`);
    process.exitCode = 1;
  }
} finally {
  await browser.close();
  server.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
