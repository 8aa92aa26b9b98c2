// The dashboard's Express app: a JSON API over the results and scenarios folders, runs started
// from the page (worker threads, progress as server-sent events) and the static page. createApp()
// does not listen, so tests run it on an ephemeral port; server.ts and `epsim serve` listen.
import { pipeline } from 'node:stream';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ConfigError, formatIssue, UserInputError } from '../sim/core/index.ts';
import { PROJECT_ROOT, resolveScenarioText } from '../sim/scenario/index.ts';
import { decodeTrace } from '../sim/trace/index.ts';
import type { ResultFile } from '../sim/output/index.ts';
import { deepEpFigure, summaryTable } from '../sim/output/index.ts';
import { JobLimitError, Jobs, workerJobRunner, type JobEvent, type JobRunner } from './jobs.ts';
import { BadNameError, pathInside } from './names.ts';
import { listResults } from './results-list.ts';
import { routingSummary } from './routing-summary.ts';
import { bytesOf, refuseOversizedBody, SERVER_LIMITS } from './limits.ts';
import { openConfined, readConfined, readConfinedAsync, readConfinedText, RefusedFileError, type SafeReadOptions } from './safe-files.ts';
import { httpErrorOf, parseResult, summaryOf } from './requests.ts';
import { ResultsWatcher } from './results-watch.ts';
import { listTopologies } from './topologies.ts';
import { registerSweepRoutes } from './sweep-routes.ts';
import { openEventStream } from './event-stream.ts';

export interface AppOptions {
  resultsDir: string;
  scenariosDir: string;
  /** Most runs at once; further ones get 429. */
  maxJobs?: number;
  /** Largest request body (posted YAML), e.g. '256kb'; larger ones get 413. */
  bodyLimit?: string | number;
  runJob?: JobRunner;
  /** Wall time a run may take before it is stopped (default SERVER_LIMITS.jobWallMs). */
  jobWallMs?: number;
  /** A folder of the user's own topology YAML files: listed for the run panel, and readable by posted scenarios. */
  topologiesDir?: string;
  /** Sweeps at once (POST /api/sweeps); further ones get 429. */
  maxSweeps?: number;
}

const publicDir = join(dirname(fileURLToPath(import.meta.url)), 'public');
// d3's package exports hide dist/, so find the package's folder from its main entry.
const d3File = join(dirname(createRequire(import.meta.url).resolve('d3')), '..', 'dist', 'd3.min.js');

export function createApp(options: AppOptions): express.Express {
  const { resultsDir, scenariosDir } = options;
  const jobs = new Jobs(options.maxJobs ?? 2, options.runJob ?? workerJobRunner, options.jobWallMs ? { wallMs: options.jobWallMs } : {});
  // Posted YAML may only name topology presets or files in these folders, and a result's trace is
  // only read from them, so no request can make the server read (and echo) other files.
  const readable = [join(PROJECT_ROOT, 'topologies'), join(PROJECT_ROOT, 'traces'), join(PROJECT_ROOT, 'runs'), resolve(resultsDir)];
  if (options.topologiesDir) readable.push(resolve(options.topologiesDir));
  const watcher = new ResultsWatcher(resultsDir);
  const app = express();
  app.disable('x-powered-by');
  const bodyLimit = options.bodyLimit ?? SERVER_LIMITS.bodyBytes;
  app.use(refuseOversizedBody(typeof bodyLimit === 'number' ? bodyLimit : bytesOf(bodyLimit)));
  app.use(express.json({ limit: bodyLimit }));
  // Every file a response reads goes through readConfined: real path inside these folders, a regular file, capped.
  const scenarioRead = (label: string) => ({ roots: [scenariosDir], maxBytes: SERVER_LIMITS.scenarioFileBytes, label });
  const resultRead = (label: string) => ({ roots: [resultsDir], maxBytes: SERVER_LIMITS.resultFileBytes, label, kind: 'trace' as const });

  app.get('/api/scenarios', (_req, res) => {
    const files = existsSync(scenariosDir) ? readdirSync(scenariosDir).filter((f) => f.endsWith('.yaml')).sort() : [];
    const listed = files.flatMap((file) => {
      try {
        return [{ name: file.replace(/\.yaml$/, ''), question: questionOf(readConfinedText(join(scenariosDir, file), scenarioRead(`scenario "${file}"`))) }];
      } catch {
        return []; // a symlink out of the folder, a FIFO, an unreadable file: not a scenario the page can run
      }
    });
    res.json(listed);
  });

  app.get('/api/scenarios/:name', (req, res) => {
    const file = pathInside(scenariosDir, req.params.name, '.yaml');
    res.type('text/yaml').send(readConfinedText(file, scenarioRead(`scenario "${req.params.name}"`)));
  });

  app.get('/api/results', (_req, res) => void res.json(listResults(resultsDir, (path, label) => readConfinedText(path, resultRead(label)))));

  // Streamed, not read whole: a big run's timeline is hundreds of MB, and a read-whole response
  // holds a copy of the file per request until it is sent.
  // (`download`: the file name a browser saves it under.)
  const streamFile = (res: Response, path: string, read: SafeReadOptions, download?: string) => {
    const { size, stream } = openConfined(path, read);
    if (download) res.attachment(download);
    res.type('application/json').set('Content-Length', String(size));
    // pipeline closes the file when the client goes away mid-download, and the response on a read error.
    pipeline(stream, res, () => {});
  };
  const sendResultFile = (file: string) => (req: Request, res: Response) =>
    streamFile(res, join(pathInside(resultsDir, req.params.name as string), file), resultRead(`${file} for result "${req.params.name}"`));
  // result.json is checked before it is sent (a few KB, parsed as /summary parses it): a broken one is
  // a 422 with the reason, not a 200 the page cannot read. timeline.json and sweep.json go as they are
  // (a big run's timeline is hundreds of MB: not parsed just to check it).
  app.get('/api/results/:name', (req, res) => {
    const path = join(pathInside(resultsDir, req.params.name), 'result.json');
    const bytes = readConfined(path, resultRead(`result.json for result "${req.params.name}"`));
    parseResult(bytes.toString('utf8'), `result.json of "${req.params.name}"`);
    res.type('application/json').send(bytes);
  });
  app.get('/api/results/:name/timeline', sendResultFile('timeline.json'));
  // For Perfetto (ui.perfetto.dev) or chrome://tracing: saved under the result's name.
  app.get('/api/results/:name/chrome-trace', (req, res) => {
    const path = join(pathInside(resultsDir, req.params.name), 'trace.chrome.json');
    if (!existsSync(path)) return void res.status(404).json({ error: 'NotFound', message: `no trace.chrome.json for result "${req.params.name}"` });
    streamFile(res, path, { ...resultRead(`trace.chrome.json of "${req.params.name}"`), maxBytes: SERVER_LIMITS.downloadFileBytes }, `${req.params.name}.trace.chrome.json`);
  });
  app.get('/api/results/:name/sweep', sendResultFile('sweep.json'));

  app.get('/api/results/:name/summary', (req, res) => {
    const path = join(pathInside(resultsDir, req.params.name), 'result.json');
    const text = readConfinedText(path, resultRead(`result "${req.params.name}"`));
    res.json(
      summaryOf(text, `result "${req.params.name}"`, (result: ResultFile) => {
        const table = summaryTable(result);
        // The a2a benchmark's page draws DeepEP's published figures at this EP next to epsim's.
        const reference = (result.scenario.workload as { phase?: string }).phase === 'a2a' ? deepEpFigure((result.scenario.parallel as { ep: number }).ep) : undefined;
        return { columns: table.columns, rows: table.rows, notes: [...table.notes, `routing: ${result.trace.description}`], ...(reference ? { reference } : {}) };
      }),
    );
  });

  app.get('/api/results/:name/routing', async (req, res) => {
    const path = join(pathInside(resultsDir, req.params.name), 'result.json');
    const text = readConfinedText(path, resultRead(`result "${req.params.name}"`));
    const traceFile = summaryOf(text, `result "${req.params.name}"`, (r: { trace?: { file?: unknown } }) => r.trace?.file);
    // What was simulated (routing.json, per layer of the simulated model) and the trace it came from.
    const simulatedFile = join(pathInside(resultsDir, req.params.name), 'routing.json');
    const simulated = existsSync(simulatedFile) ? JSON.parse(readConfinedText(simulatedFile, resultRead(`routing.json of "${req.params.name}"`))) : undefined;
    const everywhere = typeof traceFile === 'string' ? [resolve(traceFile), resolve(PROJECT_ROOT, traceFile)] : [];
    const candidates = everywhere.filter((p) => readable.some((dir) => p.startsWith(dir + sep)));
    const found = candidates.find((p) => existsSync(p));
    const traceNote =
      typeof traceFile !== 'string'
        ? 'this result used no routing trace'
        : found
          ? undefined
          : candidates.length === 0
            ? `the trace ${traceFile} is outside the folders this server reads`
            : `the trace ${traceFile} is no longer there`;
    if (!simulated && !found) return void res.status(404).json({ error: 'NotFound', message: traceNote });
    const trace = found ? routingSummary(decodeTrace(await readConfinedAsync(found, { roots: readable, maxBytes: SERVER_LIMITS.traceFileBytes, label: `trace ${traceFile}` }), String(traceFile))) : undefined;
    res.json({ ...(simulated ? { simulated } : {}), ...(trace ? { trace } : { traceNote }) });
  });

  // Live refresh: the results list as server-sent events, once now and again whenever it changes.
  app.get('/api/events', (req, res) => {
    if (!openEventStream(req, res)) return;
    const send = (stamps: unknown) => res.write(`event: results\ndata: ${JSON.stringify(stamps)}\n\n`);
    send(watcher.current());
    const stop = watcher.listen(send);
    req.on('close', stop);
  });

  app.get('/api/topologies', (_req, res) => {
    res.json(listTopologies(options.topologiesDir));
  });

  app.post('/api/runs', async (req, res) => {
    const body = (req.body ?? {}) as { scenario?: unknown; yaml?: unknown };
    let text: string;
    let file: string;
    let allowedDirs: string[] | undefined;
    if (typeof body.yaml === 'string') {
      text = body.yaml;
      file = 'posted.yaml';
      allowedDirs = readable;
    } else if (typeof body.scenario === 'string') {
      file = pathInside(scenariosDir, body.scenario, '.yaml');
      text = readConfinedText(file, scenarioRead(`scenario "${body.scenario}"`));
    } else {
      return void res.status(400).json({ error: 'BadRequest', message: 'send { "scenario": NAME } or { "yaml": TEXT }' });
    }
    // Validate here so mistakes come back at once, with their line numbers, as the CLI prints them.
    const scenario = await resolveScenarioText(text, file, allowedDirs ? { allowedDirs } : {});
    const job = jobs.start({ text, file, scenario: scenario.spec.name, resultsDir, ...(allowedDirs ? { allowedDirs } : {}) });
    res.status(202).json({ id: job.id, scenario: job.scenario });
  });

  app.get('/api/runs/:id', (req, res) => {
    const job = jobs.get(req.params.id);
    if (!job) return void res.status(404).json({ error: 'NotFound', message: `no run ${req.params.id}` });
    res.json({ id: job.id, scenario: job.scenario, status: job.status, events: job.events });
  });

  app.delete('/api/runs/:id', (req, res) => {
    const job = jobs.get(req.params.id);
    if (!job) return void res.status(404).json({ error: 'NotFound', message: `no run ${req.params.id}` });
    if (!jobs.cancel(job.id)) return void res.status(409).json({ error: 'Finished', message: `run ${job.id} has already ended (${job.status})` });
    res.json({ id: job.id, scenario: job.scenario, status: job.status });
  });

  app.get('/api/runs/:id/events', (req, res) => {
    const job = jobs.get(req.params.id);
    if (!job) return void res.status(404).json({ error: 'NotFound', message: `no run ${req.params.id}` });
    if (!openEventStream(req, res)) return;
    const send = (e: JobEvent) => res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    for (const e of job.events) send(e);
    if (job.status !== 'running') return void res.end();
    const listener = (e: JobEvent) => {
      send(e);
      if (e.type !== 'progress') res.end();
    };
    job.emitter.on('event', listener);
    req.on('close', () => job.emitter.off('event', listener));
  });

  registerSweepRoutes(app, { resultsDir, scenariosDir, readable, ...(options.maxSweeps ? { maxSweeps: options.maxSweeps } : {}) });

  app.get('/vendor/d3.min.js', (_req, res) => res.sendFile(d3File));
  app.get('/favicon.ico', (_req, res) => res.status(204).end());
  app.use(express.static(publicDir));

  app.use((_req, res) => res.status(404).json({ error: 'NotFound', message: 'no such page' }));
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof ConfigError) return void res.status(400).json({ error: 'ConfigError', issues: error.issues, messages: error.issues.map(formatIssue) });
    if (error instanceof UserInputError) return void res.status(400).json({ error: error.name, issues: error.issues, messages: error.issues.map(formatIssue) });
    if (error instanceof BadNameError) return void res.status(400).json({ error: 'BadName', message: error.message });
    if (error instanceof JobLimitError) return void res.status(429).json({ error: 'TooManyRuns', message: error.message });
    if (error instanceof RefusedFileError) return void res.status(error.status).json({ error: error.status === 404 ? 'NotFound' : 'Unreadable', message: error.message });
    const { status, body } = httpErrorOf(error);
    if (status >= 500) console.error(error); // a bug: the details go to the log, not to the client
    if (res.headersSent) return void res.end();
    res.status(status).json(body);
  });
  return app;
}

/** The scenario's `# Question:` header line, for the run panel. */
function questionOf(text: string): string {
  const line = text.split('\n').find((l) => l.startsWith('# Question:'));
  return line ? line.replace(/^# Question:\s*/, '') : '';
}
