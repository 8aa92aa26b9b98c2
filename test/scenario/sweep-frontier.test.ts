// The frontier and the answers on hand-made points, where every expected id is worked out by hand.
import { describe, expect, it } from 'vitest';
import type { ScheduleMetrics } from '../../sim/core/types.ts';
import type { SweepPoint } from '../../sim/output/formats.ts';
import { answerTargets, gpusNeeded, paretoFrontier } from '../../sim/scenario/sweep-frontier.ts';
import { answerText } from '../../sim/scenario/sweep-report.ts';
import { toSweepFile } from '../../sim/scenario/sweep.ts';

/** A decode point: x = tokens/s per user (TPOT = 1000 / x ms), y = tokens/s per GPU. */
function decode(id: number, user: number, gpu: number, fits = true, replicaGpus = 32): SweepPoint {
  const metrics = { name: 'scmoe-sbo', tokensPerSecPerUser: user, tpotMs: 1000 / user, tokensPerSecPerGpu: gpu, fitsInMemory: fits, stepTimeUs: 1e6 / user } as ScheduleMetrics;
  return { id, values: {}, ep: replicaGpus, schedule: 'scmoe-sbo', replicaGpus, metrics };
}

const points: SweepPoint[] = [
  decode(0, 50, 1000), // on: nothing fitting is better on both
  decode(1, 40, 1000), // off: 0 has the same tokens/s per GPU at more tokens/s per user
  decode(2, 30, 1500), // on, tied with 3
  decode(3, 30, 1500), // on: equal coordinates do not dominate each other
  decode(4, 60, 2000, false), // beats 0, 2 and 3, but does not fit in memory: not a candidate
  decode(5, 20, 1400), // off: dominated by 2
  { id: 6, values: {}, ep: 32, schedule: 'tbo', error: 'refused' }, // could not run
  decode(7, 70, 500), // on: the most tokens/s per user
  decode(8, 50, 900), // off: same x as 0, less y
];

describe('paretoFrontier', () => {
  it('keeps the non-dominated fitting points, ties together, in order of tokens/s per user', () => {
    expect(paretoFrontier(points, 'decode')).toEqual([2, 3, 0, 7]);
  });
  it('is empty when nothing fits, and a single fitting point is its own frontier', () => {
    expect(paretoFrontier([points[4]!, points[6]!], 'decode')).toEqual([]);
    expect(paretoFrontier([points[5]!, points[4]!], 'decode')).toEqual([5]);
  });
  it('prefill and training: a shorter step is better', () => {
    const step = (id: number, stepTimeUs: number, gpu: number): SweepPoint => ({ id, values: {}, ep: 8, schedule: 'serial', metrics: { stepTimeUs, tokensPerSecPerGpu: gpu, fitsInMemory: true } as ScheduleMetrics });
    // 1: shortest step; 0: more tokens/s per GPU than 1; 2: slower than 0 with fewer tokens/s per GPU.
    expect(paretoFrontier([step(0, 200, 900), step(1, 100, 500), step(2, 300, 800)], 'prefill')).toEqual([1, 0]);
  });
});

describe('answerTargets', () => {
  it('the most tokens/s per GPU under the TPOT target (not the lowest TPOT), among fitting points only', () => {
    // TPOT <= 25 ms means >= 40 tokens/s per user: 0, 1, 7 and 8 qualify (4 would, but does not fit);
    // 0 and 1 tie on tokens/s per GPU and 0 serves its users faster.
    expect(answerTargets(points, 'decode', { tpotMs: 25 }).answer).toMatchObject({ id: 0, reason: 'most tokens/s per GPU with TPOT <= 25 ms among the 7 points that fit in memory' });
    expect(answerTargets(points, 'decode', { tokensPerSecPerUser: 60 }).answer?.id).toBe(7);
  });
  it('without a latency target: the most tokens/s per GPU, a tie going to the lower id', () => {
    expect(answerTargets(points, 'decode', {}).answer?.id).toBe(2);
  });
  it('adds the GPUs for the total throughput with that layout', () => {
    // Point 0: 1,000 tokens/s per GPU x 32 GPUs per replica = 32,000 tokens/s; 1M needs 31.25 -> 32 replicas.
    expect(answerTargets(points, 'decode', { tpotMs: 25, totalTokensPerSec: 1_000_000 }).answer).toMatchObject({ id: 0, replicas: 32, replicaGpus: 32, gpusNeeded: 1024, tokensPerSec: 1_024_000 });
  });
  it('names a layout that needs fewer GPUs once replicas are whole, and only when there is one', () => {
    // A: 1,000 tokens/s per GPU in replicas of 128 -> 200,000 tokens/s needs 2 replicas = 256 GPUs.
    // B: 950 in replicas of 8 -> 7,600 per replica, 26.3 -> 27 replicas = 216 GPUs.
    const ab = [decode(0, 50, 1000, true, 128), decode(1, 50, 950, true, 8)];
    expect(answerTargets(ab, 'decode', { totalTokensPerSec: 200_000 }).answer).toMatchObject({ id: 0, gpusNeeded: 256, fewestGpus: { id: 1, gpusNeeded: 216, replicas: 27, replicaGpus: 8 } });
    // At 256,000 tokens/s A needs exactly 2 replicas (256 GPUs), B 34 x 8 = 272: no alternative.
    expect(answerTargets(ab, 'decode', { totalTokensPerSec: 256_000 }).answer).not.toHaveProperty('fewestGpus');
  });
  it('says why there is no answer', () => {
    expect(answerTargets(points, 'decode', { tpotMs: 10 })).toEqual({ note: 'no point that fits in memory reaches TPOT <= 10 ms' });
    expect(answerTargets([points[4]!], 'decode', {})).toEqual({ note: 'no point fits in GPU memory' });
    expect(answerTargets([points[6]!], 'decode', {})).toEqual({ note: 'no point could run' });
  });
});

describe('gpusNeeded', () => {
  it('whole replicas, rounded up: 804 tokens/s per GPU on EP 128 for 1M tokens/s', () => {
    // 804 x 128 = 102,912 tokens/s per replica; 1,000,000 / 102,912 = 9.72 -> 10 replicas = 1,280 GPUs.
    expect(gpusNeeded(804, 128, 1_000_000)).toEqual({ replicas: 10, gpusNeeded: 1280, tokensPerSec: 1_029_120 });
  });
  it('an exact multiple needs no extra replica, even when the division rounds up', () => {
    expect(gpusNeeded(1000, 100, 1_000_000).replicas).toBe(10);
    // 1.1 / 0.1 is 11.000000000000002 in floating point: still 11 replicas.
    expect(gpusNeeded(0.1, 1, 1.1).replicas).toBe(11);
    expect(gpusNeeded(5000, 8, 100).replicas).toBe(1);
  });
  it('refuses a point without throughput', () => {
    expect(() => gpusNeeded(0, 8, 100)).toThrow(RangeError);
  });
});

describe('the report when no point meets the target', () => {
  it('says why once and how close the sweep came: the lowest TPOT that fits', () => {
    const plan = { name: 'hand-made', phase: 'decode', model: 'longcat-flash', topology: 'h800-16node', axes: [], targets: { tpotMs: 10 } } as unknown as Parameters<typeof toSweepFile>[0];
    // TPOTs 20, 25, 16.67 (does not fit) and 14.29 ms: none reaches 10 ms; the lowest that fits is point 7's.
    const file = toSweepFile(plan, [decode(0, 50, 1000), decode(1, 40, 1000), decode(4, 60, 2000, false), decode(7, 70, 500)]);
    expect(file.answer).toBeUndefined();
    expect(file.recommendation.note).toBe('no point that fits in memory reaches TPOT <= 10 ms');
    expect(answerText(file)).toBe('answer: no point that fits in memory reaches TPOT <= 10 ms; the lowest TPOT that fits is 14.286 ms (EP 32, scmoe-sbo)');
  });
});
