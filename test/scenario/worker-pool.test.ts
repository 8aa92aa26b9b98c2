import { describe, expect, it } from 'vitest';
import { runOnWorkers } from '../../sim/scenario/worker-pool.ts';

const ECHO = new URL('./workers/echo-worker.ts', import.meta.url);

describe('runOnWorkers()', () => {
  it('runs every task once across the threads and passes on every message', async () => {
    const values: number[] = [];
    await runOnWorkers<number, { kind: string; value?: number }>(ECHO, [1, 2, 3, 4, 5], 2, (m) => values.push(m.value!));
    expect(values.sort((a, b) => a - b)).toEqual([2, 4, 6, 8, 10]);
  }, 30_000);

  it('rejects, rather than hanging, when a worker thread exits before its tasks are done', async () => {
    await expect(runOnWorkers(ECHO, [1, -1, 2], 1, () => {})).rejects.toThrow('a worker thread stopped (exit code 3) before finishing its tasks');
  }, 30_000);
});
