// Runs of scenarios started from the dashboard: each in a worker thread (the simulation is
// CPU-bound), at most `maxJobs` at once, progress fanned out to server-sent-event listeners, the
// result written like the CLI's (atomically, so a failed job leaves nothing half-written).
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';

export type JobEvent =
  | { type: 'progress'; schedule: string; done: number; total: number }
  | { type: 'done'; result: string }
  | { type: 'error'; message: string };

export interface Job {
  id: string;
  scenario: string;
  status: 'running' | 'done' | 'error';
  events: JobEvent[];
  emitter: EventEmitter;
}

export interface JobRequest {
  /** YAML text of the scenario and the file name it is reported under. */
  text: string;
  file: string;
  scenario: string;
  resultsDir: string;
  /** Folders a posted scenario may read files from (none for shipped scenarios). */
  allowedDirs?: string[];
}

/** Runs one job; the default runs it in a worker thread (tests may inject their own). */
export type JobRunner = (request: JobRequest, emit: (e: JobEvent) => void) => Promise<void>;

const WORKER_BOOT = new URL('../bin/ts-worker.js', import.meta.url);

export const workerJobRunner: JobRunner = (request, emit) =>
  new Promise((resolve) => {
    const worker = new Worker(WORKER_BOOT, { workerData: { module: new URL('./job-worker.ts', import.meta.url).href, request } });
    let finished = false;
    worker.on('message', (e: JobEvent) => {
      emit(e);
      if (e.type !== 'progress') finished = true;
    });
    worker.on('error', (error) => {
      if (!finished) emit({ type: 'error', message: error.message });
      finished = true;
    });
    worker.on('exit', () => {
      if (!finished) emit({ type: 'error', message: 'the simulation stopped unexpectedly' });
      resolve();
    });
  });

export class JobLimitError extends Error {}

export class Jobs {
  private readonly jobs = new Map<string, Job>();
  private running = 0;
  private next = 1;

  constructor(
    private readonly maxJobs: number,
    private readonly runner: JobRunner,
  ) {}

  get active(): number {
    return this.running;
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  start(request: JobRequest): Job {
    if (this.running >= this.maxJobs) {
      throw new JobLimitError(`${this.running} run(s) already in progress (the limit is ${this.maxJobs}); wait for one to finish`);
    }
    const job: Job = { id: String(this.next++), scenario: request.scenario, status: 'running', events: [], emitter: new EventEmitter() };
    this.jobs.set(job.id, job);
    this.running++;
    const emit = (e: JobEvent) => {
      job.events.push(e);
      if (e.type === 'done') job.status = 'done';
      if (e.type === 'error') job.status = 'error';
      job.emitter.emit('event', e);
    };
    void this.runner(request, emit)
      .catch((error: unknown) => emit({ type: 'error', message: error instanceof Error ? error.message : String(error) }))
      .finally(() => {
        this.running--;
        if (job.status === 'running') emit({ type: 'error', message: 'the run ended without a result' });
      });
    return job;
  }
}
