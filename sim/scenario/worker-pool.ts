// A pool of worker threads working through a queue of tasks: each worker takes the next task when
// it posts `{ kind: 'done' }` for the last one; every other message it posts goes to onMessage.
// Workers start from a plain JS file that registers the TypeScript loader (bin/ts-worker.js),
// because they do not inherit the main thread's (tsx's, or vitest's).
import { Worker } from 'node:worker_threads';

const WORKER_BOOT = new URL('../../bin/ts-worker.js', import.meta.url);

export type PoolMessage = { kind: string };

/** Runs `tasks` in order on up to `threads` workers running `module`; resolves when all are done. */
export async function runOnWorkers<Task, Message extends PoolMessage>(
  module: URL,
  tasks: readonly Task[],
  threads: number,
  onMessage: (message: Message) => void,
): Promise<void> {
  const queue = [...tasks];
  const worker = () =>
    new Promise<void>((resolve, reject) => {
      const w = new Worker(WORKER_BOOT, { workerData: { module: module.href } });
      let finished = false;
      const next = () => {
        const task = queue.shift();
        if (task !== undefined) w.postMessage(task);
        else {
          finished = true;
          void w.terminate().then(() => resolve());
        }
      };
      const fail = (e: Error) => {
        queue.length = 0; // the other workers finish their task and stop
        reject(e);
      };
      w.on('message', (m: Message) => (m.kind === 'done' ? next() : onMessage(m)));
      w.on('error', fail);
      // A worker that exits on its own (process.exit, a crash without an 'error') must not hang the pool.
      w.on('exit', (code) => {
        if (!finished) fail(new Error(`a worker thread stopped (exit code ${code}) before finishing its tasks`));
      });
      next();
    });
  await Promise.all(Array.from({ length: Math.max(1, Math.min(threads, tasks.length)) }, worker));
}
