// Hostile requests against the real app on 127.0.0.1: symlinks out of the results folder, files
// that are not regular, undecodable URLs and bodies, broken results, a lying Content-Length, job
// limits and cancellation. Every one is a 4xx (or a clean run), never a 500, a leak or a hang.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../web/app.ts';
import type { JobRunner } from '../../web/jobs.ts';
import { listen, SERVER_LIMITS } from '../../web/limits.ts';

let base = '';
const BIG_TIMELINE_BYTES = 96 * 2 ** 20;
let close: () => void = () => {};
let resultsDir = '';

beforeAll(async () => {
  resultsDir = mkdtempSync(join(tmpdir(), 'epsim-hostile-'));
  mkdirSync(join(resultsDir, 'leak'));
  symlinkSync('/etc/passwd', join(resultsDir, 'leak', 'result.json'));
  mkdirSync(join(resultsDir, 'zero'));
  symlinkSync('/dev/zero', join(resultsDir, 'zero', 'result.json'));
  mkdirSync(join(resultsDir, 'truncated'));
  writeFileSync(join(resultsDir, 'truncated', 'result.json'), '{"schedules": [{"name": "ser');
  mkdirSync(join(resultsDir, 'empty'));
  writeFileSync(join(resultsDir, 'empty', 'result.json'), '{}');
  mkdirSync(join(resultsDir, 'good'));
  writeFileSync(join(resultsDir, 'good', 'result.json'), JSON.stringify({ scenario: { workload: { phase: 'decode' } }, model: { name: 'm' }, topology: { name: 't' }, schedules: [{ name: 'serial' }] }));
  writeFileSync(join(resultsDir, 'good', 'trace.chrome.json'), '{"traceEvents":[]}');
  // Past the cap on files the server reads whole (sparse: no disk written).
  mkdirSync(join(resultsDir, 'huge'));
  writeFileSync(join(resultsDir, 'huge', 'trace.chrome.json'), '');
  truncateSync(join(resultsDir, 'huge', 'trace.chrome.json'), SERVER_LIMITS.resultFileBytes + 1);
  symlinkSync('/etc/passwd', join(resultsDir, 'leak', 'trace.chrome.json'));
  // A big run's timeline (sparse: no disk written).
  writeFileSync(join(resultsDir, 'huge', 'timeline.json'), '');
  truncateSync(join(resultsDir, 'huge', 'timeline.json'), BIG_TIMELINE_BYTES);
  execFileSync('mkfifo', [join(resultsDir, 'zero', 'trace.chrome.json')]);
  symlinkSync('/etc/passwd', join(resultsDir, 'passwd.yaml'));
  symlinkSync('/dev/zero', join(resultsDir, 'zero.yaml'));
  const app = createApp({ resultsDir, scenariosDir: 'scenarios', maxJobs: 1 });
  const { server, port } = await listen(app, { port: 0, host: '127.0.0.1', headersTimeoutMs: 500, requestTimeoutMs: 1000 });
  base = `http://127.0.0.1:${port}`;
  close = () => {
    server.closeAllConnections();
    server.close();
  };
});
afterAll(() => {
  close();
  rmSync(resultsDir, { recursive: true, force: true });
});

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

describe('files the server reads', () => {
  it('does not serve a symlink out of the results folder, nor read /dev/zero through one', async () => {
    for (const name of ['leak', 'zero']) {
      for (const route of ['', '/summary', '/routing', '/timeline']) {
        const res = await fetch(`${base}/api/results/${name}${route}`);
        expect(res.status, `${name}${route}`).toBe(404);
        expect(await res.text()).not.toMatch(/root:|\/etc\/passwd|\/dev\/zero/);
      }
    }
  });

  it('streams trace.chrome.json downloads, but not through a symlink out of the folder nor from a FIFO (no hang)', async () => {
    const good = await fetch(`${base}/api/results/good/chrome-trace`);
    expect(good.status).toBe(200);
    expect(good.headers.get('content-length')).toBe('18');
    expect(await good.text()).toBe('{"traceEvents":[]}');
    // A trace larger than any file the server reads whole still downloads; the client may leave early.
    const huge = await fetch(`${base}/api/results/huge/chrome-trace`);
    expect(huge.status).toBe(200);
    expect(huge.headers.get('content-length')).toBe(String(SERVER_LIMITS.resultFileBytes + 1));
    const reader = huge.body!.getReader();
    expect((await reader.read()).value!.length).toBeGreaterThan(0);
    await reader.cancel();
    const leak = await fetch(`${base}/api/results/leak/chrome-trace`);
    expect(leak.status).toBe(404);
    expect(await leak.text()).not.toMatch(/root:|\/etc\/passwd/);
    const fifo = await fetch(`${base}/api/results/zero/chrome-trace`, { signal: AbortSignal.timeout(5000) });
    expect(fifo.status).toBe(422);
    expect((await fifo.json()).message).toBe('trace.chrome.json of "zero" is not a regular file');
  });

  it('streams a timeline rather than holding a copy of it per request (96 MiB timeline, the first chunk read)', async () => {
    // The server runs in this process: what it holds shows in this process's ArrayBuffer memory.
    (globalThis as { gc?: () => void }).gc?.();
    const before = process.memoryUsage().arrayBuffers;
    const res = await fetch(`${base}/api/results/huge/timeline`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(BIG_TIMELINE_BYTES));
    const reader = res.body!.getReader();
    expect((await reader.read()).value!.length).toBeGreaterThan(0);
    const held = process.memoryUsage().arrayBuffers - before;
    await reader.cancel();
    // Read whole, the file alone is 96 MiB; streamed, a few buffers of 64 KiB.
    expect(held).toBeLessThan(BIG_TIMELINE_BYTES / 4);
  });

  it('lists broken results as broken with the reason and still serves the others', async () => {
    const res = await fetch(`${base}/api/results`);
    expect(res.status).toBe(200);
    const list = (await res.json()) as { name: string; broken?: string; schedules?: string[] }[];
    expect(list.find((r) => r.name === 'good')).toEqual({ name: 'good', phase: 'decode', model: 'm', topology: 't', schedules: ['serial'], hasResult: true, hasSweep: false, updatedMs: expect.any(Number) });
    expect(list.find((r) => r.name === 'truncated')?.broken).toMatch(/^result\.json of "truncated" is not valid JSON/);
    expect(list.find((r) => r.name === 'empty')?.broken).toBe('result.json of "empty" has no "schedules" list');
    expect(list.find((r) => r.name === 'leak')?.broken).toBe('no result.json of "leak"');
  });

  it('answers 422, not 500, for the summary of a result that is {} or truncated', async () => {
    for (const name of ['empty', 'truncated']) {
      const res = await fetch(`${base}/api/results/${name}/summary`);
      expect(res.status).toBe(422);
      expect((await res.json()).error).toBe('BrokenResult');
    }
  });

  it('answers 422 with the summary\'s message, not the broken file with 200, for a result.json that is truncated or {}', async () => {
    const truncated = await fetch(`${base}/api/results/truncated`);
    expect(truncated.status).toBe(422);
    const body = await truncated.json();
    expect(body.error).toBe('BrokenResult');
    expect(body.message).toMatch(/^result\.json of "truncated" is not valid JSON \(.+\); run the scenario again$/);
    // The summary endpoint says the same of the same file.
    expect((await (await fetch(`${base}/api/results/truncated/summary`)).json()).message.replace(/^result "truncated"/, '')).toBe(body.message.replace(/^result\.json of "truncated"/, ''));
    const empty = await fetch(`${base}/api/results/empty`);
    expect(empty.status).toBe(422);
    expect(await empty.json()).toEqual({ error: 'BrokenResult', message: 'result.json of "empty" has no "schedules" list' });
    // A good one is still sent as it is on disk.
    const good = await fetch(`${base}/api/results/good`);
    expect(good.status).toBe(200);
    expect(good.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await good.text()).toBe(JSON.stringify({ scenario: { workload: { phase: 'decode' } }, model: { name: 'm' }, topology: { name: 't' }, schedules: [{ name: 'serial' }] }));
  });

  it('refuses posted scenarios naming symlinks out of the allowed folders without echoing their target', async () => {
    for (const file of ['passwd.yaml', 'zero.yaml']) {
      const yaml = `name: x\nmodel: deepseek-v3\nrouting: uniform\ntopology: ${join(resultsDir, file)}\nparallel: { ep: 8 }\nworkload: { phase: decode, sequencesPerGpu: 1, contextTokens: 8 }\n`;
      const res = await post(JSON.stringify({ yaml }));
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(text).toMatch(/is outside the folders this server reads/);
      expect(text).not.toMatch(/root:/);
    }
  });
});

describe('requests that cannot be decoded', () => {
  it('answers 400 for overlong UTF-8 in a path', async () => {
    for (const path of ['/api/results/%c0%ae%c0%ae', '/api/scenarios/%c0%ae', '/api/runs/%ff']) {
      const res = await fetch(base + path);
      expect(res.status, path).toBe(400);
    }
  });

  it('answers 4xx for a brotli or gzip body that does not decompress, and for an unknown encoding', async () => {
    expect((await post('not brotli', { 'content-encoding': 'br' })).status).toBe(400);
    expect((await post('not gzip', { 'content-encoding': 'gzip' })).status).toBe(400);
    expect((await post('{}', { 'content-encoding': 'zstd-x' })).status).toBe(415);
    // A good gzip body still works (and is then a 400 for its content).
    const ok = await fetch(`${base}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync('{}') });
    expect(ok.status).toBe(400);
  });

  it('answers 400 with a located message for a posted alias bomb', async () => {
    const levels = ['l0: &l0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) levels.push(`l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(', ')}]`);
    const res = await post(JSON.stringify({ yaml: `${levels.join('\n')}\n` }));
    expect(res.status).toBe(400);
    expect((await res.json()).messages[0]).toMatch(/^posted\.yaml:\d+:\d+: the aliases expand this document past/);
  });

  it('does not wait forever for a body shorter than its Content-Length', async () => {
    const reply = await new Promise<string>((resolveReply, reject) => {
      const socket = connect(Number(new URL(base).port), '127.0.0.1');
      let data = '';
      socket.on('data', (d) => (data += d));
      socket.on('close', () => resolveReply(data));
      socket.on('error', reject);
      socket.write('POST /api/runs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200000\r\n\r\n{"yaml": "');
      setTimeout(() => reject(new Error('no answer within 10 s')), 10_000).unref();
    });
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
  });

  it('answers 413 at once for a Content-Length over the body limit', async () => {
    const reply = await new Promise<string>((resolveReply, reject) => {
      const socket = connect(Number(new URL(base).port), '127.0.0.1');
      let data = '';
      socket.on('data', (d) => {
        data += d;
        if (data.includes('\r\n\r\n')) socket.destroy();
      });
      socket.on('close', () => resolveReply(data));
      socket.on('error', reject);
      socket.write('POST /api/runs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n0123456789');
    });
    expect(reply).toMatch(/^HTTP\/1\.1 413/);
  });
});

describe('runs: time limit, cancellation, responsiveness', () => {
  /** A runner that never finishes by itself; it ends when stopped. */
  const endless: JobRunner = (_request, emit, stop) =>
    new Promise((resolveRun) => {
      emit({ type: 'progress', schedule: 'serial', done: 0, total: 1 });
      stop.addEventListener('abort', () => resolveRun(), { once: true });
    });

  async function appWith(options: Partial<Parameters<typeof createApp>[0]>) {
    const app = createApp({ resultsDir: mkdtempSync(join(tmpdir(), 'epsim-jobs-')), scenariosDir: 'scenarios', maxJobs: 1, runJob: endless, ...options });
    const { server, port } = await listen(app, { port: 0, host: '127.0.0.1' });
    return { b: `http://127.0.0.1:${port}`, stop: () => (server.closeAllConnections(), server.close()) };
  }
  const start = (b: string) => fetch(`${b}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scenario: 'default' }) });

  it('DELETE /api/runs/:id cancels a run and frees its slot; the server answers meanwhile', async () => {
    const { b, stop } = await appWith({});
    try {
      const { id } = await (await start(b)).json();
      expect((await start(b)).status).toBe(429);
      expect((await fetch(`${b}/api/scenarios`)).status).toBe(200);
      const del = await fetch(`${b}/api/runs/${id}`, { method: 'DELETE' });
      expect(del.status).toBe(200);
      expect((await del.json()).status).toBe('cancelled');
      expect((await (await fetch(`${b}/api/runs/${id}`)).json()).events.at(-1)).toEqual({ type: 'error', message: 'cancelled by a DELETE request' });
      expect((await fetch(`${b}/api/runs/${id}`, { method: 'DELETE' })).status).toBe(409);
      expect((await fetch(`${b}/api/runs/999`, { method: 'DELETE' })).status).toBe(404);
      expect((await start(b)).status).toBe(202);
    } finally {
      stop();
    }
  });

  it('stops a run at its wall-time limit with a message that says so', async () => {
    const { b, stop } = await appWith({ jobWallMs: 300 });
    try {
      const { id } = await (await start(b)).json();
      const events = await (await fetch(`${b}/api/runs/${id}/events`)).text();
      expect(events).toMatch(/event: error\ndata: \{"type":"error","message":"stopped after 0 s, the server's time limit per run; use the CLI for longer runs"\}/);
      expect((await start(b)).status).toBe(202);
    } finally {
      stop();
    }
  });

  it('stops a worker that passes its heap limit, with a message, and frees the slot', async () => {
    const { workerJobRunnerWith } = await import('../../web/jobs.ts');
    const dir = mkdtempSync(join(tmpdir(), 'epsim-heap-'));
    const yaml = (await import('node:fs')).readFileSync(resolve('scenarios/longcat-prefill.yaml'), 'utf8');
    const events: { type: string; message?: string }[] = [];
    await workerJobRunnerWith({ heapMb: 16 })({ text: yaml, file: 'scenarios/longcat-prefill.yaml', scenario: 'longcat-prefill', resultsDir: dir }, (e) => events.push(e), new AbortController().signal);
    expect(events.at(-1)).toEqual({ type: 'error', message: "the run needed more than the server's 16 MB per run and was stopped; try a smaller scenario or the CLI" });
  }, 60_000);
});
