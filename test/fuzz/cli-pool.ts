// Runs CLI fuzz cases in a child process (cli-child.ts) with a time and a memory bound, and
// classifies each ending: ok (exit 0), clean (exit 2, every line `error: ` naming the file or a
// flag), or a failure: crash (exit 1, a stack trace, a dead child), hang (no answer in time), oom.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ChildAnswer, ChildCase } from './cli-child.ts';

export type Outcome = 'ok' | 'clean' | 'crash' | 'hang' | 'oom';

export interface CliResult {
  outcome: Outcome;
  code?: number;
  err: string;
  ran: boolean;
  ms: number;
}

export interface PoolOptions {
  /** Per-case wall time, ms (a case past it is a hang). */
  timeoutMs: number;
  /** V8 heap of the child, MB (a case past it is an OOM). */
  heapMb: number;
}

export class CliPool {
  private child: ChildProcess | undefined;
  private stderr = '';
  private pending: ((a: ChildAnswer | { died: string }) => void) | undefined;
  private next = 0;

  constructor(private readonly options: PoolOptions) {}

  /** Runs one case; `mentions` are the strings an exit-2 message must contain one of (the input's path, a flag). */
  async run(argv: string[], mentions: string[], runIfSmall = false): Promise<CliResult> {
    const child = this.ensureChild();
    const id = this.next++;
    const t0 = performance.now();
    this.stderr = '';
    const answer = await new Promise<ChildAnswer | { died: string } | 'timeout'>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), this.options.timeoutMs);
      this.pending = (a) => {
        clearTimeout(timer);
        resolve(a);
      };
      child.stdin!.write(`${JSON.stringify({ id, argv, runIfSmall } satisfies ChildCase)}\n`);
    });
    this.pending = undefined;
    const ms = performance.now() - t0;
    if (answer === 'timeout') {
      this.kill();
      return { outcome: 'hang', err: `no answer within ${this.options.timeoutMs} ms`, ran: false, ms };
    }
    if ('died' in answer) {
      this.child = undefined;
      const oom = /heap out of memory|Reached heap limit|ERR_WORKER_OUT_OF_MEMORY|std::bad_alloc/.test(answer.died);
      return { outcome: oom ? 'oom' : 'crash', err: answer.died.slice(-4000), ran: false, ms };
    }
    return { outcome: classify(answer, mentions), code: answer.code, err: answer.err, ran: answer.ran, ms };
  }

  close(): void {
    this.kill();
  }

  private ensureChild(): ChildProcess {
    if (this.child) return this.child;
    const child = spawn(process.execPath, [`--max-old-space-size=${this.options.heapMb}`, 'bin/run-ts.js', 'test/fuzz/cli-child.ts'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    createInterface({ input: child.stdout! }).on('line', (line) => this.pending?.(JSON.parse(line) as ChildAnswer));
    child.stderr!.on('data', (d) => (this.stderr = (this.stderr + d).slice(-20_000)));
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      this.pending?.({ died: `child exited (code ${code}, signal ${signal}): ${this.stderr}` });
    });
    this.child = child;
    return child;
  }

  private kill(): void {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) child.kill('SIGKILL');
  }
}

function classify(a: ChildAnswer, mentions: string[]): Outcome {
  if (a.code === 0) return 'ok';
  if (a.code !== 2) return 'crash';
  const lines = a.err.trimEnd().split('\n');
  const located = lines.length > 0 && lines.every((l) => l.startsWith('error: ')) && !/\n\s+at /.test(a.err);
  const named = mentions.some((m) => a.err.includes(m));
  return located && named ? 'clean' : 'crash';
}
