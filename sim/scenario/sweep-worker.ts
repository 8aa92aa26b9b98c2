// A worker thread of a local sweep: runs each point it is sent and posts its outcome, then `done`
// (worker-pool.ts hands it the next point).
import { parentPort } from 'node:worker_threads';
import { runPoint, type PointTask } from './sweep-point.ts';
import type { SweepMessage } from './sweep.ts';

const port = parentPort!;
const post = (m: SweepMessage) => port.postMessage(m);

port.on('message', async (task: PointTask) => {
  post({ kind: 'point', outcome: await runPoint(task) });
  post({ kind: 'done' });
});
