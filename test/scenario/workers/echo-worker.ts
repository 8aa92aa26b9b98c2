// Test worker for worker-pool.test.ts: echoes each task doubled; task -1 exits the thread.
import { parentPort } from 'node:worker_threads';

parentPort!.on('message', (task: number) => {
  if (task === -1) process.exit(3);
  parentPort!.postMessage({ kind: 'value', value: task * 2 });
  parentPort!.postMessage({ kind: 'done' });
});
