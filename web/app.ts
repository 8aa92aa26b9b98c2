// The dashboard's Express app: a JSON API over the results and scenarios folders, runs started
// from the page (worker threads, progress as server-sent events) and the static page. createApp()
// does not listen, so tests run it on an ephemeral port; server.ts and `epsim serve` listen.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ConfigError, formatIssue, UserInputError } from '../sim/core/index.ts';
import { PROJECT_ROOT, resolveScenarioText } from '../sim/scenario/index.ts';
import { readTrace } from '../sim/trace/index.ts';
import type { ResultFile } from '../sim/output/index.ts';
import { deepEpFigure, summaryTable } from '../sim/output/index.ts';
import { JobLimitError, Jobs, workerJobRunner, type JobEvent, type JobRunner } from './jobs.ts';
import { BadNameError, pathInside } from './names.ts';
import { routingSummary } from './routing-summary.ts';
import { ResultsWatcher } from './results-watch.ts';
import { listTopologies } from './topologies.ts';

export interface AppOptions {
  resultsDir: string;
  scenariosDir: string;
  /** Most runs at once; further ones get 429. */
  maxJobs?: number;
  /** Largest request body (posted YAML), e.g. '256kb'; larger ones get 413. */
  bodyLimit?: string;
  runJob?: JobRunner;
  /** A folder of the user's own topology YAML files: listed for the run panel, and readable by posted scenarios. */
  topologiesDir?: string;
}

const publicDir = join(dirname(fileURLToPath(import.meta.url)), 'public');
// d3's package exports hide dist/, so find the package's folder from its main entry.
const d3File = join(dirname(createRequire(import.meta.url).resolve('d3')), '..', 'dist', 'd3.min.js');

export function createApp(options: AppOptions): express.Express {
  const { resultsDir, scenariosDir } = options;
  const jobs = new Jobs(options.maxJobs ?? 2, options.runJob ?? workerJobRunner);
  // Posted YAML may only name topology presets or files in these folders, and a result's trace is
  // only read from them, so no request can make the server read (and echo) other files.
  const readable = [join(PROJECT_ROOT, 'topologies'), join(PROJECT_ROOT, 'traces'), join(PROJECT_ROOT, 'runs'), resolve(resultsDir)];
  if (options.topologiesDir) readable.push(resolve(options.topologiesDir));
  const watcher = new ResultsWatcher(resultsDir);
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: options.bodyLimit ?? '256kb' }));

  app.get('/api/scenarios', (_req, res) => {
    const files = existsSync(scenariosDir) ? readdirSync(scenariosDir).filter((f) => f.endsWith('.yaml')).sort() : [];
    res.json(files.map((file) => ({ name: file.replace(/\.yaml$/, ''), question: questionOf(readFileSync(join(scenariosDir, file), 'utf8')) })));
  });

  app.get('/api/scenarios/:name', (req, res) => {
    const file = pathInside(scenariosDir, req.params.name, '.yaml');
    if (!existsSync(file)) return void res.status(404).json({ error: 'NotFound', message: `no scenario "${req.params.name}"` });
    res.type('text/yaml').send(readFileSync(file, 'utf8'));
  });

  app.get('/api/results', (_req, res) => {
    const names = existsSync(resultsDir) ? readdirSync(resultsDir).filter((n) => !n.startsWith('.') && existsSync(join(resultsDir, n, 'result.json'))).sort() : [];
    res.json(
      names.map((name) => {
        const result = JSON.parse(readFileSync(join(resultsDir, name, 'result.json'), 'utf8'));
        return {
          name,
          phase: result.scenario?.workload?.phase,
          model: result.model?.name,
          topology: result.topology?.name,
          gpus: result.topology?.gpus,
          schedules: result.schedules.map((s: { name: string }) => s.name),
          hasSweep: existsSync(join(resultsDir, name, 'sweep.json')),
          updatedMs: Math.round(statSync(join(resultsDir, name, 'result.json')).mtimeMs),
        };
      }),
    );
  });

  const sendResultFile = (file: string) => (req: Request, res: Response) => {
    const path = join(pathInside(resultsDir, req.params.name as string), file);
    if (!existsSync(path)) return void res.status(404).json({ error: 'NotFound', message: `no ${file} for result "${req.params.name}"` });
    res.type('application/json').sendFile(path);
  };
  app.get('/api/results/:name', sendResultFile('result.json'));
  app.get('/api/results/:name/timeline', sendResultFile('timeline.json'));
  // For Perfetto (ui.perfetto.dev) or chrome://tracing: saved under the result's name.
  app.get('/api/results/:name/chrome-trace', (req, res) => {
    const path = join(pathInside(resultsDir, req.params.name), 'trace.chrome.json');
    if (!existsSync(path)) return void res.status(404).json({ error: 'NotFound', message: `no trace.chrome.json for result "${req.params.name}"` });
    res.download(path, `${req.params.name}.trace.chrome.json`);
  });
  app.get('/api/results/:name/sweep', sendResultFile('sweep.json'));

  app.get('/api/results/:name/summary', (req, res) => {
    const path = join(pathInside(resultsDir, req.params.name), 'result.json');
    if (!existsSync(path)) return void res.status(404).json({ error: 'NotFound', message: `no result "${req.params.name}"` });
    const result = JSON.parse(readFileSync(path, 'utf8')) as ResultFile;
    const table = summaryTable(result);
    // The a2a benchmark's page draws DeepEP's published figures at this EP next to epsim's.
    const reference = (result.scenario.workload as { phase?: string }).phase === 'a2a' ? deepEpFigure((result.scenario.parallel as { ep: number }).ep) : undefined;
    res.json({ columns: table.columns, rows: table.rows, notes: [...table.notes, `routing: ${result.trace.description}`], ...(reference ? { reference } : {}) });
  });

  app.get('/api/results/:name/routing', async (req, res) => {
    const path = join(pathInside(resultsDir, req.params.name), 'result.json');
    if (!existsSync(path)) return void res.status(404).json({ error: 'NotFound', message: `no result "${req.params.name}"` });
    // What was simulated (routing.json, per layer of the simulated model) and the trace it came from.
    const simulatedFile = join(pathInside(resultsDir, req.params.name), 'routing.json');
    const simulated = existsSync(simulatedFile) ? JSON.parse(readFileSync(simulatedFile, 'utf8')) : undefined;
    const traceFile: string | undefined = JSON.parse(readFileSync(path, 'utf8')).trace?.file;
    const everywhere = traceFile ? [resolve(traceFile), resolve(PROJECT_ROOT, traceFile)] : [];
    const candidates = everywhere.filter((p) => readable.some((dir) => p.startsWith(dir + sep)));
    const found = candidates.find((p) => existsSync(p));
    const traceNote = !traceFile
      ? 'this result used no routing trace'
      : found
        ? undefined
        : candidates.length === 0
          ? `the trace ${traceFile} is outside the folders this server reads`
          : `the trace ${traceFile} is no longer there`;
    if (!simulated && !found) return void res.status(404).json({ error: 'NotFound', message: traceNote });
    res.json({ ...(simulated ? { simulated } : {}), ...(found ? { trace: routingSummary(await readTrace(found)) } : { traceNote }) });
  });

  // Live refresh: the results list as server-sent events, once now and again whenever it changes.
  app.get('/api/events', (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
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
      if (!existsSync(file)) return void res.status(404).json({ error: 'NotFound', message: `no scenario "${body.scenario}"` });
      text = readFileSync(file, 'utf8');
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

  app.get('/api/runs/:id/events', (req, res) => {
    const job = jobs.get(req.params.id);
    if (!job) return void res.status(404).json({ error: 'NotFound', message: `no run ${req.params.id}` });
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
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

  app.get('/vendor/d3.min.js', (_req, res) => res.sendFile(d3File));
  app.get('/favicon.ico', (_req, res) => res.status(204).end());
  app.use(express.static(publicDir));

  app.use((_req, res) => res.status(404).json({ error: 'NotFound', message: 'no such page' }));
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof ConfigError) return void res.status(400).json({ error: 'ConfigError', issues: error.issues, messages: error.issues.map(formatIssue) });
    if (error instanceof UserInputError) return void res.status(400).json({ error: error.name, issues: error.issues, messages: error.issues.map(formatIssue) });
    if (error instanceof BadNameError) return void res.status(400).json({ error: 'BadName', message: error.message });
    if (error instanceof JobLimitError) return void res.status(429).json({ error: 'TooManyRuns', message: error.message });
    const e = error as { type?: string; status?: number; message?: string };
    if (e?.type === 'entity.too.large') return void res.status(413).json({ error: 'TooLarge', message: 'the request body is too large' });
    if (e?.type === 'entity.parse.failed') return void res.status(400).json({ error: 'BadRequest', message: 'the request body is not valid JSON' });
    res.status(500).json({ error: 'InternalError', message: e?.message ?? String(error) });
  });
  return app;
}

/** The scenario's `# Question:` header line, for the run panel. */
function questionOf(text: string): string {
  const line = text.split('\n').find((l) => l.startsWith('# Question:'));
  return line ? line.replace(/^# Question:\s*/, '') : '';
}
