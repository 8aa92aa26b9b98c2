// The dashboard's API on a real HTTP server on an ephemeral port.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../web/app.ts';
import type { JobRunner } from '../../web/jobs.ts';
import { makeResults, SWEEP_ONLY } from './fixtures.ts';

let resultsDir: string;
let base: string;
let server: Server;
const release: (() => void)[] = [];

/** A runner that waits until the test lets it go (to hold jobs open for the 429 test). */
const heldRunner: JobRunner = (_request, emit) =>
  new Promise((resolve) => {
    emit({ type: 'progress', schedule: 'serial', done: 0, total: 1 });
    release.push(() => {
      emit({ type: 'done', result: 'default' });
      resolve();
    });
  });

async function listen(app: ReturnType<typeof createApp>): Promise<{ server: Server; base: string }> {
  const s = await new Promise<Server>((resolve) => {
    const x = app.listen(0, '127.0.0.1', () => resolve(x));
  });
  return { server: s, base: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
}

beforeAll(async () => {
  resultsDir = await makeResults();
  ({ server, base } = await listen(createApp({ resultsDir, scenariosDir: 'scenarios', maxJobs: 1, bodyLimit: '2kb' })));
}, 60_000);
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const get = (path: string) => fetch(base + path);
const post = (path: string, body: unknown) => fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('dashboard API', () => {
  it('lists the shipped scenarios with their questions, and the stored results', async () => {
    const scenarios = await (await get('/api/scenarios')).json();
    expect(scenarios.map((s: { name: string }) => s.name)).toContain('longcat-decode-h800x128');
    expect(scenarios.find((s: { name: string }) => s.name === 'default').question).toMatch(/two H800 nodes/);
    const results = await (await get('/api/results')).json();
    expect(results).toEqual([
      { name: 'default', phase: 'decode', model: 'traced:tiny', topology: 'h800-2node', gpus: 16, schedules: ['serial', 'shared-overlap', 'tbo', 'scmoe-sbo'], hasResult: true, hasSweep: true, sweepPoints: 8, updatedMs: expect.any(Number) },
      // A sweep on its own (no result.json) is listed from its sweep.json.
      { name: SWEEP_ONLY, phase: 'decode', model: 'traced:tiny', topology: 'h800-2node', schedules: ['serial', 'shared-overlap', 'tbo', 'scmoe-sbo'], hasResult: false, hasSweep: true, sweepPoints: 24, updatedMs: expect.any(Number) },
    ]);
    // The newest of its files: the sweep is written after the run.
    const newest = Math.max(...['result.json', 'sweep.json'].map((f) => statSync(join(resultsDir, 'default', f)).mtimeMs));
    expect(Math.abs(results[0].updatedMs - newest)).toBeLessThan(1);
    expect((await get(`/api/results/${SWEEP_ONLY}/sweep`)).status).toBe(200);
    expect((await get(`/api/results/${SWEEP_ONLY}`)).status).toBe(404);
  });

  it('serves a result, its timeline, sweep, summary table and routing summary', async () => {
    expect((await (await get('/api/results/default')).json()).schedules).toHaveLength(4);
    const timeline = await (await get('/api/results/default/timeline')).json();
    expect(timeline.schedules.map((s: { name: string }) => s.name)).toEqual(['serial', 'shared-overlap', 'tbo', 'scmoe-sbo']);
    expect((await (await get('/api/results/default/sweep')).json()).points).toHaveLength(8);
    const summary = await (await get('/api/results/default/summary')).json();
    expect(summary.columns[0]).toBe('schedule');
    expect(summary.rows.map((r: string[]) => r[0])).toEqual(['serial', 'shared-overlap*', 'tbo', 'scmoe-sbo']);
    const { simulated, trace: routing } = await (await get('/api/results/default/routing')).json();
    expect(routing.model.ffnExperts).toBe(32);
    expect(routing.histogram).toHaveLength(7);
    expect(routing.histogram.reduce((a: number, b: number) => a + b, 0)).toBe(routing.tokensInTrace * routing.model.layers);
    expect(routing.load[0].reduce((a: number, b: number) => a + b, 0)).toBeGreaterThan(0);
    // What was simulated: the step's 16 GPUs x 64 sequences, each token's FFN picks counted once.
    expect(simulated).toMatchObject({ layers: 2, ffnExperts: 32, zeroExperts: 16, topk: 6, tokens: 1024, source: { kind: 'trace' } });
    for (let l = 0; l < 2; l++) {
      const picks = simulated.ffnHistogram[l].reduce((sum: number, count: number, n: number) => sum + n * count, 0);
      expect(simulated.load[l].reduce((a: number, b: number) => a + b, 0)).toBe(picks);
      expect(simulated.ffnHistogram[l].reduce((a: number, b: number) => a + b, 0)).toBe(1024);
      expect(simulated.meanFfnPerToken[l]).toBeCloseTo(picks / 1024, 3);
    }
  });

  it('answers 404 for an unknown result and 400 for names that try to leave the folder', async () => {
    expect((await get('/api/results/nope')).status).toBe(404);
    for (const name of ['..%2F..%2Fetc%2Fpasswd', '..', '%2Fetc', 'a%5C..%5Cb']) expect((await get(`/api/results/${name}`)).status).toBeGreaterThanOrEqual(400);
    const traversal = await post('/api/runs', { scenario: '../package' });
    expect(traversal.status).toBe(400);
    expect((await traversal.json()).error).toBe('BadName');
  });

  it('answers 400 with the CLI\'s file:line:col messages for a broken posted scenario', async () => {
    const res = await post('/api/runs', { yaml: 'name: x\ntopology: h800-1node\nparallel: { ep: 3 }\nworkload: { phase: decode, sequencesPerGpu: 1, contextTokens: 8 }\nmodel: deepseek-v3\nrouting: uniform\n' });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error).toBe('ConfigError');
    expect(body.messages).toEqual([
      'posted.yaml:3:13: parallel.ep: must divide the number of GPUs (8 in h800-1node); got 3',
      'posted.yaml:3:13: parallel.ep: must divide the 256 FFN experts with contiguous placement (each GPU hosts the same number); got 3. Or fill the slots with redundant experts: placement: load-aware, redundantExperts: 2 (258 slots = 86 per GPU)',
    ]);
  });

  it('refuses a body over the size limit with 413', async () => {
    expect((await post('/api/runs', { yaml: 'x'.repeat(4000) })).status).toBe(413);
  });
});

describe('runs', () => {
  it('runs a shipped scenario to completion in a worker thread and stores the result', async () => {
    const dir = await makeResultsDir();
    const { server: s, base: b } = await listen(createApp({ resultsDir: dir, scenariosDir: 'scenarios', maxJobs: 1 }));
    try {
      const res = await fetch(`${b}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scenario: 'default' }) });
      expect(res.status).toBe(202);
      const { id } = await res.json();
      const events = await (await fetch(`${b}/api/runs/${id}/events`)).text();
      expect(events).toMatch(/event: progress\ndata: .*"total":4/);
      expect(events).toMatch(/event: done\ndata: \{"type":"done","result":"default"\}/);
      expect(existsSync(join(dir, 'default', 'result.json'))).toBe(true);
      expect((await (await fetch(`${b}/api/runs/${id}`)).json()).status).toBe('done');
    } finally {
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  }, 60_000);

  it('answers 429 when the job limit is reached, with a clear message', async () => {
    const { server: s, base: b } = await listen(createApp({ resultsDir: await makeResultsDir(), scenariosDir: 'scenarios', maxJobs: 1, runJob: heldRunner }));
    try {
      const start = () => fetch(`${b}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scenario: 'default' }) });
      expect((await start()).status).toBe(202);
      const refused = await start();
      expect(refused.status).toBe(429);
      expect(await refused.json()).toEqual({ error: 'TooManyRuns', message: '1 run(s) already in progress (the limit is 1); wait for one to finish' });
      release.splice(0).forEach((f) => f());
    } finally {
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });
});

describe('sweeps from the page', () => {
  it('plans at once (400 with file:line:col for a bad value), then runs with progress per point and writes the files', async () => {
    const dir = await makeResultsDir();
    const { server: s, base: b } = await listen(createApp({ resultsDir: dir, scenariosDir: 'scenarios', maxJobs: 1, maxSweeps: 1 }));
    const start = (body: unknown) => fetch(`${b}/api/sweeps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    try {
      const yaml = readFileSync('scenarios/default.yaml', 'utf8').replace(/^sweep: .*$/m, 'sweep: { parallel.ep: [8, 3], schedules: [serial, scmoe-sbo] }');
      const bad = await start({ yaml });
      expect(bad.status).toBe(400);
      expect((await bad.json()).messages).toEqual([expect.stringMatching(/^posted\.yaml:\d+:\d+: sweep\.parallel\.ep\[1\]: must divide the number of GPUs \(16 in h800-2node\); got 3$/)]);
      const res = await start({ yaml: yaml.replace('[8, 3]', '[8, 16]') });
      expect(res.status).toBe(202);
      const { id, points } = await res.json();
      expect(points).toBe(4);
      const events = await (await fetch(`${b}/api/sweeps/${id}/events`)).text();
      expect(events.match(/event: progress\n/g)).toHaveLength(4);
      expect(events).toMatch(/event: progress\ndata: \{"type":"progress","schedule":"EP (8|16), (serial|scmoe-sbo)","done":4,"total":4\}/);
      expect(events).toMatch(/event: done\ndata: \{"type":"done","result":"default"\}/);
      const sweep = JSON.parse(readFileSync(join(dir, 'default', 'sweep.json'), 'utf8'));
      expect(sweep.points.map((p: { ep: number; schedule: string }) => `${p.ep} ${p.schedule}`)).toEqual(['8 serial', '8 scmoe-sbo', '16 serial', '16 scmoe-sbo']);
      expect(existsSync(join(dir, 'default', 'sweep.csv'))).toBe(true);
      expect(await (await fetch(`${b}/api/results`)).json()).toMatchObject([{ name: 'default', hasResult: false, hasSweep: true, sweepPoints: 4 }]);
      expect((await (await fetch(`${b}/api/sweeps/${id}`)).json()).status).toBe('done');
      expect((await fetch(`${b}/api/sweeps/999`)).status).toBe(404);
    } finally {
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  }, 90_000);

  it('refuses a sweep above the point limit with its size', async () => {
    const yaml = readFileSync('scenarios/default.yaml', 'utf8').replace(/^sweep: .*$/m, 'sweep: { commSms: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25], workload.sequencesPerGpu: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] }');
    const res = await post('/api/sweeps', { yaml });
    expect(res.status).toBe(400);
    expect((await res.json()).messages).toEqual([expect.stringMatching(/^posted\.yaml: the sweep has 1,100 points \(commSms 25 x workload\.sequencesPerGpu 11 x schedules 4\), above the limit of 1,000/)]);
  });
});

async function makeResultsDir(): Promise<string> {
  return mkdtempSync(join(tmpdir(), 'epsim-web-runs-'));
}

describe('posted scenarios cannot read files outside the project\'s folders', () => {
  for (const [key, value] of [
    ['topology', '/etc/passwd'],
    ['topology', '../../../etc/hostname'],
    ['trace', '/etc/passwd'],
  ] as const) {
    it(`refuses ${key}: ${value} without reading it`, async () => {
      const yaml = `name: x\nmodel: traced\nrouting: trace\ntrace: traces/tiny.trace\ntopology: h800-1node\nparallel: { ep: 8 }\nworkload: { phase: decode, sequencesPerGpu: 1, contextTokens: 8 }\n`.replace(
        key === 'topology' ? 'topology: h800-1node' : 'trace: traces/tiny.trace',
        `${key}: ${value}`,
      );
      const res = await post('/api/runs', { yaml });
      expect(res.status).toBe(400);
      const { messages } = await res.json();
      expect(messages.join('\n')).toMatch(new RegExp(`^posted\\.yaml:\\d+:\\d+: ${key}: "${value.replace(/[./]/g, '\\$&')}" is outside the folders this server reads`));
      expect(messages.join('\n')).not.toMatch(/root:|vm|EPSIMTRC/);
    });
  }
});

describe('downloads, live refresh and topologies', () => {
  it('serves trace.chrome.json as a download named after the result', async () => {
    const res = await get('/api/results/default/chrome-trace');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="?default\.trace\.chrome\.json"?$/);
    expect((await res.json()).traceEvents.length).toBeGreaterThan(100);
    expect((await get('/api/results/nope/chrome-trace')).status).toBe(404);
  });

  it('streams the results list when it opens and again when a result is written or rewritten', async () => {
    const dir = await makeResultsDir();
    const { server: s, base: b } = await listen(createApp({ resultsDir: dir, scenariosDir: 'scenarios' }));
    const controller = new AbortController();
    try {
      const res = await fetch(`${b}/api/events`, { signal: controller.signal });
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      const nextEvent = async () => {
        while (!text.includes('\n\n')) text += decoder.decode((await reader.read()).value);
        const [event, rest] = [text.slice(0, text.indexOf('\n\n')), text.slice(text.indexOf('\n\n') + 2)];
        text = rest;
        return { type: /^event: (\w+)/.exec(event)![1], data: JSON.parse(/\ndata: (.*)$/.exec(event)![1]!) };
      };
      expect(await nextEvent()).toEqual({ type: 'results', data: [] });
      const copy = (name: string) => {
        mkdirSync(join(dir, name), { recursive: true });
        writeFileSync(join(dir, name, 'result.json'), readFileSync(join(resultsDir, 'default', 'result.json')));
      };
      copy('fresh');
      const first = await nextEvent();
      expect(first.data.map((r: { name: string }) => r.name)).toEqual(['fresh']);
      // Rewritten later: a new mtime, a new event.
      const later = new Date(first.data[0].updatedMs + 5000);
      writeFileSync(join(dir, 'fresh', 'result.json'), readFileSync(join(resultsDir, 'default', 'result.json')));
      const { utimesSync } = await import('node:fs');
      utimesSync(join(dir, 'fresh', 'result.json'), later, later);
      const second = await nextEvent();
      expect(second.data).toEqual([{ name: 'fresh', updatedMs: later.getTime() }]);
    } finally {
      controller.abort();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });

  it('answers HEAD on the live event stream with its headers at once (found by the fuzz suite: it hung)', async () => {
    const { server: s, base: b } = await listen(createApp({ resultsDir: await makeResultsDir(), scenariosDir: 'scenarios' }));
    try {
      const res = await fetch(`${b}/api/events`, { method: 'HEAD', signal: AbortSignal.timeout(5000) });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(await res.text()).toBe('');
    } finally {
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });

  it('lists the presets and the server\'s own topology folder, and lets posted scenarios use that folder only', async () => {
    const topologies = mkdtempSync(join(tmpdir(), 'epsim-topologies-'));
    writeFileSync(join(topologies, 'big-nic.yaml'), readFileSync('topologies/h800-2node.yaml', 'utf8').replace(/^name: .*$/m, 'name: big-nic'));
    writeFileSync(join(topologies, 'broken.yaml'), 'name: broken\nnodes: 0\n');
    const { server: s, base: b } = await listen(createApp({ resultsDir: await makeResultsDir(), scenariosDir: 'scenarios', topologiesDir: topologies, runJob: heldRunner }));
    try {
      const list = await (await fetch(`${b}/api/topologies`)).json();
      expect(list.find((t: { name: string }) => t.name === 'h800-16node')).toEqual({ name: 'h800-16node', kind: 'preset', value: 'h800-16node', gpus: 128, gpu: 'H800 SXM5' });
      expect(list.find((t: { name: string }) => t.name === 'big-nic')).toEqual({ name: 'big-nic', kind: 'custom', value: join(topologies, 'big-nic.yaml'), gpus: 16, gpu: 'H800 SXM5' });
      expect(list.find((t: { name: string }) => t.name === 'broken.yaml').error).toMatch(/^broken\.yaml:1:1: comm: missing required field.*; broken\.yaml:2:1: nodes: must be an integer between 1 and 16384; got 0$/);
      const yaml = (topology: string) => `name: x\nmodel: traced\ntrace: traces/tiny.trace\ntopology: ${topology}\nparallel: { ep: 16 }\nworkload: { phase: decode, sequencesPerGpu: 1, contextTokens: 8 }\n`;
      const run = (topology: string) => fetch(`${b}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ yaml: yaml(topology) }) });
      expect((await run(join(topologies, 'big-nic.yaml'))).status).toBe(202);
      release.splice(0).forEach((f) => f());
      // The same server still refuses files elsewhere.
      const refused = await run('/etc/hostname');
      expect(refused.status).toBe(400);
      expect((await refused.json()).messages[0]).toMatch(/is outside the folders this server reads/);
    } finally {
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });

  it('shows each phase its own columns in the summary', async () => {
    const summary = await (await get('/api/results/default/summary')).json();
    expect(summary.columns).toEqual(['schedule', 'step', 'TPOT ms', 'tok/s/user', 'tok/s/GPU', 'exposed comm', 'mem GiB/GPU', '$/M tok', 'GiB W/KV/act/buf']);
    expect(summary.notes.at(-1)).toMatch(/^routing: trace traces\/tiny\.trace/);
  });
});
