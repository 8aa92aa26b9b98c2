// What a sweep answers, as pure functions of its points: the Pareto frontier of tokens/s per GPU
// (what a deployment pays for) against tokens/s per user (what a user waits for: decode) or the
// step time (prefill, training), among the points that fit in memory; the best point under a
// latency target; and how many GPUs a total throughput needs with that point's layout.
import type { Phase } from '../core/index.ts';
import type { SweepAnswer, SweepFile, SweepPoint } from '../output/index.ts';
import type { SweepTargets } from './sweep-axes.ts';

export type FrontierX = SweepFile['frontier']['x'];

export function frontierX(phase: Phase | string): FrontierX {
  return phase === 'decode' ? 'tokensPerSecPerUser' : 'stepTimeUs';
}

/** Points that ran and fit in GPU memory. */
export function fittingPoints(points: readonly SweepPoint[]): SweepPoint[] {
  return points.filter((p) => !p.error && p.metrics?.fitsInMemory === true);
}

/**
 * Ids of the fitting points no other fitting point dominates (at least as good on both axes and
 * better on one), in order of x. Points with equal coordinates do not dominate each other, so a
 * tie is on the frontier together.
 */
export function paretoFrontier(points: readonly SweepPoint[], phase: Phase | string): number[] {
  const xKey = frontierX(phase);
  // Larger is better on both after this: a shorter step is a larger -stepTimeUs.
  const x = (p: SweepPoint) => (xKey === 'stepTimeUs' ? -p.metrics!.stepTimeUs : p.metrics!.tokensPerSecPerUser ?? 0);
  const y = (p: SweepPoint) => p.metrics!.tokensPerSecPerGpu;
  const fit = fittingPoints(points).sort((a, b) => x(b) - x(a) || y(b) - y(a) || a.id - b.id);
  const on: SweepPoint[] = [];
  // Walk from the best x down: a point is on the frontier when its y beats every point of strictly
  // better x, and it has the best y among the points of its own x.
  let bestYOfBetterX = -Infinity;
  for (let i = 0; i < fit.length; ) {
    let j = i;
    while (j < fit.length && x(fit[j]!) === x(fit[i]!)) j++;
    const topY = y(fit[i]!); // the group is sorted by y, best first
    if (topY > bestYOfBetterX) for (let k = i; k < j && y(fit[k]!) === topY; k++) on.push(fit[k]!);
    bestYOfBetterX = Math.max(bestYOfBetterX, topY);
    i = j;
  }
  const xAsc = (p: SweepPoint) => (xKey === 'stepTimeUs' ? p.metrics!.stepTimeUs : p.metrics!.tokensPerSecPerUser ?? 0);
  return on.sort((a, b) => xAsc(a) - xAsc(b) || a.id - b.id).map((p) => p.id);
}

/** Whether a point meets the per-user latency targets (decode), judged on the file's rounded metrics. */
export function meetsLatency(p: SweepPoint, targets: SweepTargets): boolean {
  const m = p.metrics!;
  if (targets.tpotMs !== undefined && !(m.tpotMs !== undefined && m.tpotMs <= targets.tpotMs)) return false;
  if (targets.tokensPerSecPerUser !== undefined && !(m.tokensPerSecPerUser !== undefined && m.tokensPerSecPerUser >= targets.tokensPerSecPerUser)) return false;
  return true;
}

/**
 * Whole replicas of one layout that reach `totalTokensPerSec`: a replica of `replicaGpus` GPUs
 * makes replicaGpus x tokensPerSecPerGpu tokens/s, and a deployment has a whole number of them,
 * so the count is rounded up.
 */
export function gpusNeeded(tokensPerSecPerGpu: number, replicaGpus: number, totalTokensPerSec: number): { replicas: number; gpusNeeded: number; tokensPerSec: number } {
  if (!(tokensPerSecPerGpu > 0) || !(replicaGpus > 0)) throw new RangeError(`gpusNeeded: needs positive throughput and replica size; got ${tokensPerSecPerGpu} tokens/s per GPU, ${replicaGpus} GPUs`);
  const perReplica = tokensPerSecPerGpu * replicaGpus;
  let replicas = Math.max(1, Math.ceil(totalTokensPerSec / perReplica));
  // Division may land a hair above a whole number (1e6 / 1e5 is exact, 0.3 / 0.1 is not).
  if (replicas > 1 && (replicas - 1) * perReplica >= totalTokensPerSec) replicas--;
  return { replicas, gpusNeeded: replicas * replicaGpus, tokensPerSec: replicas * perReplica };
}

/**
 * The answer to the targets: among the fitting points that meet the latency target, the one with
 * the most tokens/s per GPU (ties: the better x, then the lower id), and with a total throughput
 * target the GPUs it needs. Without a latency target, the most tokens/s per GPU of all fitting
 * points. A note instead when no point qualifies.
 */
export function answerTargets(points: readonly SweepPoint[], phase: Phase | string, targets: SweepTargets): { answer?: SweepAnswer; note?: string } {
  const fit = fittingPoints(points);
  if (fit.length === 0) return { note: points.some((p) => p.metrics) ? 'no point fits in GPU memory' : 'no point could run' };
  const latency = describeLatency(targets);
  const under = fit.filter((p) => meetsLatency(p, targets));
  if (under.length === 0) return { note: `no point that fits in memory reaches ${latency}` };
  const xKey = frontierX(phase);
  const better = (a: SweepPoint, b: SweepPoint) => {
    const ya = a.metrics!.tokensPerSecPerGpu;
    const yb = b.metrics!.tokensPerSecPerGpu;
    if (ya !== yb) return ya > yb;
    const xa = xKey === 'stepTimeUs' ? -a.metrics!.stepTimeUs : a.metrics!.tokensPerSecPerUser ?? 0;
    const xb = xKey === 'stepTimeUs' ? -b.metrics!.stepTimeUs : b.metrics!.tokensPerSecPerUser ?? 0;
    return xa !== xb ? xa > xb : a.id < b.id;
  };
  const best = under.reduce((b, p) => (better(p, b) ? p : b));
  const answer: SweepAnswer = {
    id: best.id,
    reason: `most tokens/s per GPU${latency ? ` with ${latency}` : ''} among the ${fit.length === 1 ? 'one point' : `${fit.length} points`} that fit in memory${latency ? '' : ' (no latency target)'}`,
  };
  const total = targets.totalTokensPerSec;
  if (total !== undefined && best.replicaGpus !== undefined) {
    const need = gpusNeeded(best.metrics!.tokensPerSecPerGpu, best.replicaGpus, total);
    Object.assign(answer, { replicas: need.replicas, replicaGpus: best.replicaGpus, gpusNeeded: need.gpusNeeded, tokensPerSec: Math.round(need.tokensPerSec) });
    // Whole replicas can make a layout with fewer tokens/s per GPU need fewer GPUs (a smaller
    // replica rounds up less): name it when it does.
    let fewest: { p: SweepPoint; gpus: number; replicas: number } | undefined;
    for (const p of under) {
      if (p.replicaGpus === undefined) continue;
      const n = gpusNeeded(p.metrics!.tokensPerSecPerGpu, p.replicaGpus, total);
      if (!fewest || n.gpusNeeded < fewest.gpus || (n.gpusNeeded === fewest.gpus && better(p, fewest.p))) fewest = { p, gpus: n.gpusNeeded, replicas: n.replicas };
    }
    if (fewest && fewest.gpus < need.gpusNeeded) answer.fewestGpus = { id: fewest.p.id, gpusNeeded: fewest.gpus, replicas: fewest.replicas, replicaGpus: fewest.p.replicaGpus! };
  }
  return { answer };
}

/** "TPOT <= 20 ms", "20 tokens/s per user or more", both, or '' without a latency target. */
export function describeLatency(targets: SweepTargets): string {
  const parts: string[] = [];
  if (targets.tpotMs !== undefined) parts.push(`TPOT <= ${targets.tpotMs} ms`);
  if (targets.tokensPerSecPerUser !== undefined) parts.push(`>= ${targets.tokensPerSecPerUser} tokens/s per user`);
  return parts.join(' and ');
}
