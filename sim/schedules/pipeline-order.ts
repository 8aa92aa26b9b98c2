// The order in which each pipeline rank runs its forward (F), input-gradient (B) and weight-gradient
// (W) passes, for the named pipeline schedules. Pure: no ops, no costs.
//
// A virtual stage is a contiguous chunk of layers on one rank (a rank = one pipeline stage's GPUs).
//   1f1b     PipeDream-flush (Narayanan et al. 2021): P virtual stages, rank r = stage r; backward
//            fused (B and W as one pass); at most P - r micro-batches in flight on rank r.
//   zb-h1    Zero Bubble H1 (Qi et al., "Zero Bubble Pipeline Parallelism", ICLR 2024): 1F1B's
//            stages and peak memory (at most P micro-batches in flight on any rank, released at
//            W), backward split so W fills the bubbles.
//   v-zb     ZB-V from the same paper, which LongCat-Flash trains with: 2P virtual stages in a V
//            (rank r holds chunks r and 2P-1-r, so the first and last chunk share rank 0), at most
//            2P - s micro-batches in flight in virtual stage s (2P + 1 half-size chunks on a rank,
//            about 1F1B's rank-0 peak of P stage-sized micro-batches).
//   dualpipe DeepSeek-V3's DualPipe (report §3.2.1): half the micro-batches enter at rank 0, half at
//            rank P-1, through the same P layer chunks (rank r holds chunk r of the first direction
//            and chunk P-1-r of the second: two copies of the parameters); a forward and a backward
//            chunk of different micro-batches run as one overlapped pair whenever both are ready;
//            W split; each direction is limited like 1F1B, P + 1 micro-batches in flight on a rank
//            (its README's activation figure).
// The order comes from a list scheduler over the passes' estimated times (per chunk: F, B, W, as
// the zero-bubble paper's scheduler takes profiled times; unit times F = B = W = 1 by default):
// whenever a rank is idle it takes, among its ready passes, a forward if the in-flight limit allows
// and its last pass was a backward (1F1B's alternation), else a backward, else a forward, else a
// weight gradient; lower micro-batches first. For 1f1b this is exactly the textbook schedule
// (P - r - 1 warm-up forwards, then one forward one backward); for zb-h1 it is the paper's ZB-H1
// (F B W in the steady state, the weight gradients filling the cool-down). The simulation then runs
// the order with the real op times and communication; only the order comes from here.

export type PipelineSchedule = '1f1b' | 'zb-h1' | 'v-zb' | 'dualpipe';

/** One pass of one micro-batch through one virtual stage. BW = fused backward (B and W together). */
export interface PassRef {
  pass: 'F' | 'B' | 'W' | 'BW';
  mb: number;
  /** Virtual stage along the micro-batch's path (0 = where it enters). */
  stage: number;
}

/** What a rank runs next: one pass, or (DualPipe) a forward and a backward overlapped. */
export interface PipelineTask {
  rank: number;
  passes: PassRef[];
}

export interface PipelineShape {
  ranks: number;
  microBatches: number;
  /** Virtual stages along each micro-batch's path. */
  stagesPerPath: number;
  /** Layer chunks the model is cut into (a virtual stage runs chunk `chunkOf`). */
  chunks: number;
  splitBackward: boolean;
  rankOf(stage: number, mb: number): number;
  chunkOf(stage: number, mb: number): number;
}

export interface PipelineOrder {
  shape: PipelineShape;
  /** Every task, in the order the unit-time list scheduler started them (each rank's subsequence is its order). */
  tasks: PipelineTask[];
  /** Per rank, the most micro-batch chunks whose activations are held at once (held from F to the end of their backward). */
  peakInFlight: number[];
  /** Makespan of the unit-time schedule (F = B = W = 1). */
  unitMakespan: number;
}

export function pipelineShape(schedule: PipelineSchedule, ranks: number, microBatches: number): PipelineShape {
  const P = ranks;
  switch (schedule) {
    case '1f1b':
    case 'zb-h1':
      return { ranks: P, microBatches, stagesPerPath: P, chunks: P, splitBackward: schedule === 'zb-h1', rankOf: (s) => s, chunkOf: (s) => s };
    case 'v-zb':
      return { ranks: P, microBatches, stagesPerPath: 2 * P, chunks: 2 * P, splitBackward: true, rankOf: (s) => (s < P ? s : 2 * P - 1 - s), chunkOf: (s) => s };
    case 'dualpipe':
      return {
        ranks: P,
        microBatches,
        stagesPerPath: P,
        chunks: P,
        splitBackward: true,
        rankOf: (s, mb) => (mb < microBatches / 2 ? s : P - 1 - s),
        chunkOf: (s) => s,
      };
  }
}

/**
 * In-flight limit of a virtual stage (micro-batches whose forward through it ran and whose last
 * backward pass there has not finished). 1f1b: P - s, the textbook warm-up depth; zb-h1: P on every
 * stage (1F1B's rank-0 peak everywhere, so later stages can hold weight gradients back); v-zb:
 * 2P - s along the 2P-stage path (rank r holds stages r and 2P-1-r: 2P + 1 chunks, the half-size
 * chunks of P stage-sized micro-batches as in 1F1B's peak, plus one); dualpipe: P - s in each
 * direction (rank r: P - r + r + 1 = P + 1, its README's activation figure). Limits that fall along
 * the path keep the order free of deadlock: the last stage can always run.
 */
function stageLimit(schedule: PipelineSchedule, ranks: number, s: number): number {
  switch (schedule) {
    case '1f1b':
    case 'dualpipe':
      return ranks - s;
    case 'zb-h1':
      return ranks;
    case 'v-zb':
      return 2 * ranks - s;
  }
}

/** Estimated pass times of each layer chunk (any unit); default 1 each. */
export interface PassTimes {
  F: readonly number[];
  B: readonly number[];
  W: readonly number[];
}

export function pipelineOrder(schedule: PipelineSchedule, ranks: number, microBatches: number, times?: PassTimes): PipelineOrder {
  if (!(Number.isInteger(ranks) && ranks >= 1 && Number.isInteger(microBatches) && microBatches >= 1)) {
    throw new RangeError(`pipeline needs positive integer ranks and micro-batches; got ${ranks} and ${microBatches}`);
  }
  const shape = pipelineShape(schedule, ranks, microBatches);
  const S = shape.stagesPerPath;
  const M = microBatches;
  const split = shape.splitBackward;
  const idx = (s: number, mb: number) => mb * S + s;
  const fDone = new Float64Array(S * M).fill(Infinity);
  const bDone = new Float64Array(S * M).fill(Infinity);
  const fStarted = new Uint8Array(S * M);
  const bStarted = new Uint8Array(S * M);
  const wStarted = new Uint8Array(S * M);
  const held = new Int32Array(ranks);
  // In flight per virtual stage (and, for DualPipe, per direction).
  const dirOf = (mb: number) => (schedule === 'dualpipe' && mb >= M / 2 ? 1 : 0);
  const heldStage = new Int32Array(2 * S);
  const peak = new Int32Array(ranks);
  const freeAt = new Float64Array(ranks);
  /** Releases of held activations, applied when their time comes: [time, rank, stage key]. */
  const releases: [number, number, number][] = [];
  const tasks: PipelineTask[] = [];
  let remaining = S * M * (split ? 3 : 2);
  let now = 0;
  const limit = Array.from({ length: S }, (_, st) => stageLimit(schedule, ranks, st));
  const lastWasBackward = new Uint8Array(ranks);
  const duration = (p: PassRef): number => {
    if (!times) return p.pass === 'BW' ? 2 : 1;
    const k = shape.chunkOf(p.stage, p.mb);
    const t = p.pass === 'BW' ? times.B[k]! + times.W[k]! : times[p.pass][k]!;
    return Math.max(t, 1e-9);
  };

  const fReady = (s: number, mb: number) =>
    !fStarted[idx(s, mb)] && (s === 0 || fDone[idx(s - 1, mb)]! <= now) && heldStage[s + S * dirOf(mb)]! < limit[s]!;
  const bReady = (s: number, mb: number) =>
    !bStarted[idx(s, mb)] && fDone[idx(s, mb)]! <= now && (s === S - 1 || bDone[idx(s + 1, mb)]! <= now);
  const wReady = (s: number, mb: number) => split && !wStarted[idx(s, mb)] && bDone[idx(s, mb)]! <= now;

  // Candidates of a rank, lowest micro-batch first; later stages first within a micro-batch.
  const candidates = (rank: number, ready: (s: number, mb: number) => boolean): PassRef[] => {
    const out: PassRef[] = [];
    for (let mb = 0; mb < M; mb++) {
      for (let s = S - 1; s >= 0; s--) if (shape.rankOf(s, mb) === rank && ready(s, mb)) out.push({ pass: 'F', mb, stage: s });
    }
    return out;
  };

  let guard = 0;
  while (remaining > 0) {
    if (++guard > 1000 * S * M + 1000) throw new Error(`internal: pipeline order '${schedule}' made no progress (${ranks} ranks, ${M} micro-batches)`);
    for (let i = releases.length - 1; i >= 0; i--) {
      if (releases[i]![0] <= now) {
        held[releases[i]![1]]!--;
        heldStage[releases[i]![2]]!--;
        releases.splice(i, 1);
      }
    }
    let started = false;
    for (let r = 0; r < ranks; r++) {
      if (freeAt[r]! > now) continue;
      const bs = candidates(r, bReady).map((p) => ({ ...p, pass: split ? ('B' as const) : ('BW' as const) }));
      const fs = candidates(r, fReady);
      const ws = candidates(r, wReady).map((p) => ({ ...p, pass: 'W' as const }));
      let chosen: PassRef[] = [];
      if (schedule === 'dualpipe' && bs.length > 0 && fs.length > 0) chosen = [fs[0]!, bs[0]!];
      else if (fs.length > 0 && lastWasBackward[r]) chosen = [fs[0]!];
      else if (bs.length > 0) chosen = [bs[0]!];
      else if (fs.length > 0) chosen = [fs[0]!];
      else if (ws.length > 0) chosen = [ws[0]!];
      if (chosen.length === 0) continue;
      lastWasBackward[r] = chosen[chosen.length - 1]!.pass === 'F' ? 0 : 1;
      let end = now;
      for (const p of chosen) {
        const i = idx(p.stage, p.mb);
        end += duration(p);
        if (p.pass === 'F') {
          fStarted[i] = 1;
          fDone[i] = end;
          held[r]!++;
          heldStage[p.stage + S * dirOf(p.mb)]!++;
          peak[r] = Math.max(peak[r]!, held[r]!);
        } else if (p.pass === 'B' || p.pass === 'BW') {
          bStarted[i] = 1;
          bDone[i] = end;
          if (p.pass === 'BW') releases.push([end, r, p.stage + S * dirOf(p.mb)]);
        } else {
          wStarted[i] = 1;
          releases.push([end, r, p.stage + S * dirOf(p.mb)]);
        }
        remaining--;
      }
      freeAt[r] = end;
      tasks.push({ rank: r, passes: chosen });
      started = true;
    }
    if (started) continue;
    // Nothing could start now: advance to the next time something finishes.
    let next = Infinity;
    for (let r = 0; r < ranks; r++) if (freeAt[r]! > now) next = Math.min(next, freeAt[r]!);
    for (const [t] of releases) if (t > now) next = Math.min(next, t);
    if (next === Infinity) throw new Error(`internal: pipeline order '${schedule}' is stuck (${ranks} ranks, ${M} micro-batches)`);
    now = next;
  }
  let makespan = 0;
  for (let r = 0; r < ranks; r++) makespan = Math.max(makespan, freeAt[r]!);
  return { shape, tasks, peakInFlight: Array.from(peak), unitMakespan: makespan };
}
