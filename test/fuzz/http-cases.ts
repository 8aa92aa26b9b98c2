// Hostile HTTP requests for the fuzz suite, against the real createApp() listening on 127.0.0.1
// with a results folder full of traps (symlinks out, /dev/zero, broken and empty results). A case
// passes when the answer comes in time, is below 500, leaks nothing outside the served folders,
// and a 400 for posted YAML names the posted file; the server must still answer afterwards.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { createApp } from '../../web/app.ts';
import type { JobRunner } from '../../web/jobs.ts';
import { listen } from '../../web/limits.ts';
import { mutateYaml, yamlMutation, type YamlMutation } from './mutations.ts';

export interface HttpCase {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'HEAD' | 'OPTIONS';
  path: number;
  name: number;
  body: { kind: 'none' } | { kind: 'yaml'; base: number; mutations: YamlMutation[] } | { kind: 'scenario'; name: number } | { kind: 'raw'; value: number };
  contentType: number;
  encoding: number;
}

export interface HttpOutcome {
  outcome: 'ok' | 'clean' | 'hang' | 'leak' | 'serverError';
  detail: string;
}

const NAMES = [
  'default', 'good', 'leak', 'zero', 'truncated', 'empty', 'nope', '..', '.', '%2e%2e', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '%c0%ae%c0%ae', '%ff', '%00', '%25',
  'a'.repeat(300), '%E2%80%AE', 'con', '1', '999999999999999999999', '-1', 'default%2Fresult.json', '..%5c..', 'default.yaml', '%F0%9F%92%A9',
];
const PATHS = [
  (n: string) => `/api/results/${n}`,
  (n: string) => `/api/results/${n}/timeline`,
  (n: string) => `/api/results/${n}/summary`,
  (n: string) => `/api/results/${n}/routing`,
  (n: string) => `/api/results/${n}/sweep`,
  () => '/api/results',
  () => '/api/scenarios',
  (n: string) => `/api/scenarios/${n}`,
  () => '/api/runs',
  (n: string) => `/api/runs/${n}`,
  (n: string) => `/api/runs/${n}/events`,
  (n: string) => `/${n}`,
  () => '/vendor/d3.min.js',
  (n: string) => `/api/${n}/${n}`,
  () => `/${'x/'.repeat(3000)}`,
];
const CONTENT_TYPES = ['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'multipart/form-data; boundary=x', ''];
const ENCODINGS = ['', 'gzip', 'br', 'deflate', 'identity', 'gzip-bad', 'br-bad', 'x-unknown', 'gzip, br'];
const RAW_BODIES = [
  '', '{', 'null', '[]', '"x"', '{"yaml": 1}', '{"scenario": ["default"]}', '{"scenario": "../package"}', '{"scenario": "default", "yaml": null}',
  `{"yaml": ${JSON.stringify('a'.repeat(300_000))}}`, `${'['.repeat(100_000)}${']'.repeat(100_000)}`, '{"__proto__": {"polluted": 1}, "scenario": "default"}',
  '{"yaml": "name: *nope\\n"}', '\u0000\u0001\u0002', '{"yaml": "\\ud800"}',
];

export const httpCase: fc.Arbitrary<HttpCase> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'HEAD', 'OPTIONS'),
  path: fc.nat(PATHS.length - 1),
  name: fc.nat(NAMES.length - 1),
  body: fc.oneof(
    fc.constant({ kind: 'none' as const }),
    fc.record({ kind: fc.constant('yaml' as const), base: fc.nat(5), mutations: fc.array(yamlMutation, { maxLength: 3 }) }),
    fc.record({ kind: fc.constant('scenario' as const), name: fc.nat(NAMES.length - 1) }),
    fc.record({ kind: fc.constant('raw' as const), value: fc.nat(RAW_BODIES.length - 1) }),
  ),
  contentType: fc.nat(CONTENT_TYPES.length - 1),
  encoding: fc.nat(ENCODINGS.length - 1),
});

/** Finishes at once: the fuzz tests the request handling, not the simulator (api.test.ts runs real jobs). */
const instantRunner: JobRunner = async (request, emit) => emit({ type: 'done', result: request.scenario });

export async function startHttpTarget(work: string, timeoutMs = 10_000) {
  const resultsDir = join(work, 'http-results');
  mkdirSync(resultsDir);
  const dir = (name: string) => {
    mkdirSync(join(resultsDir, name));
    return join(resultsDir, name);
  };
  symlinkSync('/etc/passwd', join(dir('leak'), 'result.json'));
  symlinkSync('/dev/zero', join(dir('zero'), 'result.json'));
  symlinkSync('/etc', join(resultsDir, 'etc'));
  writeFileSync(join(dir('truncated'), 'result.json'), '{"schedules": [{"name": "ser');
  writeFileSync(join(dir('empty'), 'result.json'), '{}');
  writeFileSync(join(dir('good'), 'result.json'), JSON.stringify({ schedules: [{ name: 'serial' }], trace: { file: '/etc/passwd', description: 'x' } }));
  symlinkSync('/etc/passwd', join(resultsDir, 'passwd.yaml'));
  const app = createApp({ resultsDir, scenariosDir: 'scenarios', maxJobs: 1, runJob: instantRunner });
  const { server, port } = await listen(app, { port: 0, host: '127.0.0.1', headersTimeoutMs: 2000, requestTimeoutMs: 5000 });
  const base = `http://127.0.0.1:${port}`;
  const scenarios = ['default', 'deepseek-v3-decode', 'longcat-decode-h800x128', 'longcat-prefill', 'longcat-train-ep32', 'a2a-deepep-ep64'].map((s) => readFileSync(`scenarios/${s}.yaml`, 'utf8'));
  let sent = 0;

  async function send(c: HttpCase): Promise<HttpOutcome> {
    const path = PATHS[c.path]!(NAMES[c.name]!);
    let body: Buffer | undefined;
    let posted = false;
    if (c.body.kind === 'yaml') {
      const yaml = mutateYaml(scenarios[c.body.base]!, c.body.mutations);
      body = Buffer.from(JSON.stringify({ yaml: yaml.toString('utf8') }));
      posted = true;
    } else if (c.body.kind === 'scenario') body = Buffer.from(JSON.stringify({ scenario: NAMES[c.body.name] }));
    else if (c.body.kind === 'raw') body = Buffer.from(RAW_BODIES[c.body.value]!);
    const headers: Record<string, string> = {};
    if (CONTENT_TYPES[c.contentType]) headers['content-type'] = CONTENT_TYPES[c.contentType]!;
    const encoding = ENCODINGS[c.encoding]!;
    if (body && encoding) {
      headers['content-encoding'] = encoding.replace('-bad', '');
      if (encoding === 'gzip') body = gzipSync(body);
      if (encoding === 'br') body = brotliCompressSync(body);
      if (encoding === 'deflate') body = deflateSync(body);
    }
    const withBody = body !== undefined && c.method !== 'GET' && c.method !== 'HEAD';
    const what = `${c.method} ${path.slice(0, 200)} ${JSON.stringify(headers)} body ${withBody ? body!.subarray(0, 200).toString('latin1') : '(none)'}`;
    let status: number;
    let text: string;
    try {
      const res = await fetch(base + path, { method: c.method, headers, body: withBody ? new Uint8Array(body!) : undefined, signal: AbortSignal.timeout(timeoutMs) });
      status = res.status;
      // Server-sent events of a finished run end by themselves, but the results list's live
      // stream (/api/events) stays open by design: from an event stream take its first event.
      // Read at most a little of any body.
      const stream = res.headers.get('content-type')?.startsWith('text/event-stream') ?? false;
      text = await readSome(res, 1 << 20, stream);
    } catch (e) {
      return { outcome: 'hang', detail: `${what}: ${(e as Error).message}` };
    }
    if (++sent % 10 === 0) {
      const alive = await fetch(`${base}/api/scenarios`, { signal: AbortSignal.timeout(timeoutMs) }).then((r) => r.status).catch(() => 0);
      if (alive !== 200) return { outcome: 'hang', detail: `the server stopped answering after: ${what}` };
    }
    const detail = `${what} -> ${status} ${text.slice(0, 500)}`;
    if (/root:x:0:0|EPSIMTRC\u0000/.test(text)) return { outcome: 'leak', detail };
    if (status >= 500) return { outcome: 'serverError', detail };
    if (status >= 400) {
      // A 400 for posted YAML names the posted file in every message.
      if (posted && status === 400 && withBody && /"messages"/.test(text)) {
        const messages = (JSON.parse(text) as { messages: string[] }).messages;
        if (!messages.every((m) => m.startsWith('posted.yaml'))) return { outcome: 'serverError', detail: `unlocated message: ${detail}` };
      }
      return { outcome: 'clean', detail };
    }
    return { outcome: 'ok', detail };
  }

  return {
    send,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function readSome(res: Response, max: number, firstEventOnly = false): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    if (size >= max || (firstEventOnly && Buffer.concat(chunks).includes('\n\n'))) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}
