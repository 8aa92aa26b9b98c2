// Sweeps started from the page: POST /api/sweeps ({ scenario } or { yaml }, as /api/runs) plans
// the sweep at once (mistakes come back as 400 with file:line:col, a sweep above the point limit
// too), then runs it on worker threads as a job with progress per point (GET /api/sweeps/:id and
// /events, server-sent events) and writes sweep.json + sweep.csv atomically into the results.
import { existsSync } from 'node:fs';
import { SERVER_LIMITS } from './limits.ts';
import { readConfinedText } from './safe-files.ts';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type express from 'express';
import type { Request, Response } from 'express';
import { writeDirAtomically } from '../sim/output/index.ts';
import { label, planSweep, runSweep, sweepFiles, threadExecutor, toSweepFile, type SweepPlan } from '../sim/scenario/index.ts';
import { Jobs, type JobEvent, type JobRequest, type JobRunner } from './jobs.ts';
import { pathInside } from './names.ts';
import { openEventStream } from './event-stream.ts';

export interface SweepRouteOptions {
  resultsDir: string;
  scenariosDir: string;
  /** Folders posted YAML may read (the same as for runs). */
  readable: string[];
  /** Sweeps at once; further ones get 429. */
  maxSweeps?: number;
  /** Worker threads per sweep (default: one per core). */
  threads?: number;
}

export function registerSweepRoutes(app: express.Express, options: SweepRouteOptions): void {
  const plans = new WeakMap<JobRequest, SweepPlan>();
  const threads = options.threads ?? cpus().length;
  const runner: JobRunner = async (request, emit) => {
    const plan = plans.get(request)!;
    const points = await runSweep(plan, {
      executor: threadExecutor(threads),
      onPoint: ({ point, done, total }) => emit({ type: 'progress', schedule: label(plan, point), done, total }),
    });
    writeDirAtomically(join(request.resultsDir, plan.name), sweepFiles(toSweepFile(plan, points)));
    emit({ type: 'done', result: plan.name });
  };
  const jobs = new Jobs(options.maxSweeps ?? 1, runner);

  app.post('/api/sweeps', async (req, res) => {
    const body = (req.body ?? {}) as { scenario?: unknown; yaml?: unknown };
    let text: string;
    let file: string;
    let allowedDirs: string[] | undefined;
    if (typeof body.yaml === 'string') {
      [text, file, allowedDirs] = [body.yaml, 'posted.yaml', options.readable];
    } else if (typeof body.scenario === 'string') {
      file = pathInside(options.scenariosDir, body.scenario, '.yaml');
      if (!existsSync(file)) return void res.status(404).json({ error: 'NotFound', message: `no scenario "${body.scenario}"` });
      text = readConfinedText(file, { roots: [options.scenariosDir], maxBytes: SERVER_LIMITS.scenarioFileBytes, label: `scenario "${body.scenario}"` });
    } else {
      return void res.status(400).json({ error: 'BadRequest', message: 'send { "scenario": NAME } or { "yaml": TEXT }' });
    }
    const plan = await planSweep(text, file, allowedDirs ? { allowedDirs } : {});
    const request: JobRequest = { text, file, scenario: plan.name, resultsDir: options.resultsDir, ...(allowedDirs ? { allowedDirs } : {}) };
    plans.set(request, plan);
    const job = jobs.start(request);
    res.status(202).json({ id: job.id, scenario: job.scenario, points: plan.points.length });
  });

  app.get('/api/sweeps/:id', (req, res) => {
    const job = jobs.get(req.params.id);
    if (!job) return void res.status(404).json({ error: 'NotFound', message: `no sweep ${req.params.id}` });
    res.json({ id: job.id, scenario: job.scenario, status: job.status, events: job.events });
  });

  app.get('/api/sweeps/:id/events', (req: Request, res: Response) => {
    const job = jobs.get(req.params.id as string);
    if (!job) return void res.status(404).json({ error: 'NotFound', message: `no sweep ${req.params.id}` });
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
}
