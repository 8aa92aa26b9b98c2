// The dashboard's Express app: a JSON API over the results and scenarios folders, runs started
// from the page (worker threads, progress as server-sent events) and the static page. createApp()
// does not listen, so tests run it on an ephemeral port; server.ts and `epsim serve` listen.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ConfigError, formatIssue, UserInputError } from '../sim/core/index.ts';
import { PROJECT_ROOT, resolveScenarioText } from '../sim/scenario/index.ts';
import { readTrace } from '../sim/trace/index.ts';
import type { ResultFile } from '../sim/output/index.ts';
import { metricsRow, TABLE_COLUMNS } from '../sim/output/index.ts';
import { JobLimitError, Jobs, workerJobRunner, type JobEvent, type JobRunner } from './jobs.ts';
import { BadNameError, pathInside } from './names.ts';
import { listResults } from './results-list.ts';
import { routingSummary } from './routing-summary.ts';
import { registerSweepRoutes } from './sweep-routes.ts';

export interface AppOptions {
  resultsDir: string;
  scenariosDir: string;
  /** Most runs at once; further ones get 429. */
  maxJobs?: number;
  /** Largest request body (posted YAML), e.g. '256kb'; larger ones get 413. */
  bodyLimit?: string;
  runJob?: JobRunner;
  /** Sweeps at once (POST /api/sweeps); further ones get 429. */
  maxSweeps?: number;
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

  app.get('/api/results', (_req, res) => void res.json(listResults(resultsDir)));

  const sendResultFile = (file: string) => (req: Request, res: Response) => {
    const path = join(pathInside(resultsDir, req.params.name as string), file);
    if (!existsSync(path)) return void res.status(404).json({ error: 'NotFound', message: `no ${file} for result "${req.params.name}"` });
    res.type('application/json').sendFile(path);
  };
  app.get('/api/results/:name', sendResultFile('result.json'));
  app.get('/api/results/:name/timeline', sendResultFile('timeline.json'));
  app.get('/api/results/:name/sweep', sendResultFile('sweep.json'));

  app.get('/api/results/:name/summary', (req, res) => {
    const path = join(pathInside(resultsDir, req.params.name), 'result.json');
    if (!existsSync(path)) return void res.status(404).json({ error: 'NotFound', message: `no result "${req.params.name}"` });
    const result = JSON.parse(readFileSync(path, 'utf8')) as ResultFile;
    res.json({
      columns: TABLE_COLUMNS,
      rows: result.schedules.map(metricsRow),
      notes: [
        ...result.schedules.filter((m) => m.emulation).map((m) => `* ${m.name} is emulated: ${m.emulation}`),
        `routing: ${result.trace.description}`,
      ],
    });
  });

  app.get('/api/results/:name/routing', async (req, res) => {
    const path = join(pathInside(resultsDir, req.params.name), 'result.json');
    if (!existsSync(path)) return void res.status(404).json({ error: 'NotFound', message: `no result "${req.params.name}"` });
    const traceFile: string | undefined = JSON.parse(readFileSync(path, 'utf8')).trace?.file;
    if (!traceFile) return void res.status(404).json({ error: 'NotFound', message: 'this result used uniform routing: there is no trace to show' });
    const candidates = [resolve(traceFile), resolve(PROJECT_ROOT, traceFile)].filter((p) => readable.some((dir) => p.startsWith(dir + sep)));
    const found = candidates.find((p) => existsSync(p));
    if (!found) return void res.status(404).json({ error: 'NotFound', message: `the trace ${traceFile} is no longer there` });
    res.json(routingSummary(await readTrace(found)));
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
