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
      const next = () => {
        const task = queue.shift();
        if (task !== undefined) w.postMessage(task);
        else void w.terminate().then(() => resolve());
      };
      w.on('message', (m: Message) => (m.kind === 'done' ? next() : onMessage(m)));
      w.on('error', (e) => {
        queue.length = 0; // the other workers finish their task and stop
        reject(e);
      });
      next();
    });
  await Promise.all(Array.from({ length: Math.max(1, Math.min(threads, tasks.length)) }, worker));
}
