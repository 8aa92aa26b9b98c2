// Runs of scenarios started from the dashboard: each in a worker thread (the simulation is
// CPU-bound, the server stays responsive), at most `maxJobs` at once, progress fanned out to
// server-sent-event listeners, the result written like the CLI's (atomically, so a failed job
// leaves nothing half-written). Each run has a wall-time and a heap limit (SERVER_LIMITS) and can
// be cancelled (DELETE /api/runs/:id); a stopped worker frees its job slot at once.
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import { SERVER_LIMITS } from './limits.ts';

export type JobEvent =
  | { type: 'progress'; schedule: string; done: number; total: number }
  | { type: 'done'; result: string }
  | { type: 'error'; message: string };

export interface Job {
  id: string;
  scenario: string;
  status: 'running' | 'done' | 'error' | 'cancelled';
  events: JobEvent[];
  emitter: EventEmitter;
  /** Stops the run (its error event says why). */
  stop: (reason: string) => void;
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

/**
 * Runs one job; the default runs it in a worker thread (tests may inject their own). `stop` is
 * aborted (with the reason) on cancellation or when the wall-time limit passes.
 */
export type JobRunner = (request: JobRequest, emit: (e: JobEvent) => void, stop: AbortSignal) => Promise<void>;

const WORKER_BOOT = new URL('../bin/ts-worker.js', import.meta.url);

export interface WorkerLimits {
  heapMb: number;
}

export function workerJobRunnerWith(limits: WorkerLimits): JobRunner {
  return (request, emit, stop) =>
    new Promise((resolve) => {
      const worker = new Worker(WORKER_BOOT, {
        workerData: { module: new URL('./job-worker.ts', import.meta.url).href, request },
        resourceLimits: { maxOldGenerationSizeMb: limits.heapMb },
      });
      let finished = false;
      const finish = (e: JobEvent) => {
        if (finished) return;
        finished = true;
        emit(e);
      };
      const onStop = () => {
        finish({ type: 'error', message: String(stop.reason) });
        void worker.terminate();
      };
      if (stop.aborted) onStop();
      stop.addEventListener('abort', onStop, { once: true });
      worker.on('message', (e: JobEvent) => (e.type === 'progress' ? !finished && emit(e) : finish(e)));
      worker.on('error', (error: Error & { code?: string }) =>
        finish({
          type: 'error',
          message: error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `the run needed more than the server's ${limits.heapMb} MB per run and was stopped; try a smaller scenario or the CLI` : error.message,
        }),
      );
      worker.on('exit', () => {
        stop.removeEventListener('abort', onStop);
        finish({ type: 'error', message: 'the simulation stopped unexpectedly' });
        resolve();
      });
    });
}

export const workerJobRunner: JobRunner = workerJobRunnerWith({ heapMb: SERVER_LIMITS.jobHeapMb });

export class JobLimitError extends Error {}

export interface JobsOptions {
  /** Wall time a run may take before it is stopped, ms. */
  wallMs?: number;
  /** Finished runs kept for GET /api/runs/:id (the oldest are forgotten). */
  kept?: number;
}

export class Jobs {
  private readonly jobs = new Map<string, Job>();
  private running = 0;
  private next = 1;

  constructor(
    private readonly maxJobs: number,
    private readonly runner: JobRunner,
    private readonly options: JobsOptions = {},
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
    const controller = new AbortController();
    let cancelled = false;
    const job: Job = {
      id: String(this.next++),
      scenario: request.scenario,
      status: 'running',
      events: [],
      emitter: new EventEmitter(),
      stop: (reason) => {
        if (job.status !== 'running') return;
        cancelled = true;
        controller.abort(reason);
      },
    };
    this.jobs.set(job.id, job);
    this.running++;
    const emit = (e: JobEvent) => {
      if (job.status !== 'running') return; // one final event per run
      job.events.push(e);
      if (e.type === 'done') job.status = 'done';
      if (e.type === 'error') job.status = cancelled ? 'cancelled' : 'error';
      job.emitter.emit('event', e);
    };
    const wallMs = this.options.wallMs ?? SERVER_LIMITS.jobWallMs;
    const timer = setTimeout(() => controller.abort(`stopped after ${Math.round(wallMs / 1000)} s, the server's time limit per run; use the CLI for longer runs`), wallMs);
    timer.unref();
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      this.running--;
      this.forgetOldJobs();
    };
    // A stopped run frees its slot at once, not when its worker has wound down.
    controller.signal.addEventListener('abort', () => {
      emit({ type: 'error', message: String(controller.signal.reason) });
      release();
    }, { once: true });
    void this.runner(request, emit, controller.signal)
      .catch((error: unknown) => emit({ type: 'error', message: error instanceof Error ? error.message : String(error) }))
      .finally(() => {
        if (job.status === 'running') emit({ type: 'error', message: 'the run ended without a result' });
        release();
      });
    return job;
  }

  /** Cancels a running job; false when there is none with that id or it has finished. */
  cancel(id: string): boolean {
    const job = this.jobs.get(id);
    if (!job || job.status !== 'running') return false;
    job.stop('cancelled by a DELETE request');
    return true;
  }

  private forgetOldJobs(): void {
    const kept = this.options.kept ?? SERVER_LIMITS.keptJobs;
    const finished = [...this.jobs.values()].filter((j) => j.status !== 'running');
    for (const job of finished.slice(0, Math.max(0, finished.length - kept))) this.jobs.delete(job.id);
  }
}
