// Where each FFN expert of one MoE layer lives in the EP group.
// - contiguousPlacement: expert e on rank floor(e / (N/ep)), the default of EP libraries.
// - loadAwarePlacement: EPLB-style (DeepSeek's eplb.py): give the R redundant slots one at a time
//   to the expert with the highest load per replica, then pack replicas heaviest-first onto the
//   least-loaded rank that has a free slot and does not already host that expert.
// - expertLoadFromSource: per-expert token counts over a calibration sample, to feed the latter.
// Bad user choices (an ep that does not divide the experts, too many redundant slots) throw a
// ConfigError whose path names the scenario key (parallel.ep, parallel.redundantExperts).
import { ConfigError } from '../core/index.ts';
import type { RoutingSource } from './routing-source.ts';
import type { ExpertPlacement } from './traffic.ts';

function placementError(path: string, message: string): ConfigError {
  return new ConfigError([{ file: '', line: 0, col: 0, path, message }]);
}

function checkEp(ep: number, ffnExperts: number): void {
  if (!Number.isInteger(ep) || ep < 1) throw placementError('parallel.ep', `must be a positive integer; got ${ep}`);
  if (!Number.isInteger(ffnExperts) || ffnExperts < 1) {
    throw placementError('model.moe.ffnExperts', `must be a positive integer; got ${ffnExperts}`);
  }
}

/**
 * Why `redundantExperts` slots cannot be filled for `ffnExperts` experts over `ep` ranks (one
 * replica of an expert per rank at most), or undefined. The scenario loader checks it too, so
 * `epsim validate` refuses what a run would.
 */
export function redundantSlotsProblem(ffnExperts: number, ep: number, redundantExperts: number): string | undefined {
  const most = ffnExperts * ep - ffnExperts;
  if (redundantExperts <= most) return undefined;
  return `${redundantExperts} redundant slots cannot be filled: ${ffnExperts} experts over ${ep} ranks allow at most ${most} (one replica per rank)`;
}

/**
 * Why N FFN experts cannot be laid out over an EP group of `ep` GPUs, or undefined. Every GPU
 * holds the same number of expert slots (its grouped GEMM's weights), so the slots, N plus the
 * redundant copies, must fill the group evenly: contiguous placement needs ep | N; load-aware
 * placement needs ep | N + R, which lets an EP size that does not divide N work when redundant
 * experts fill the rest (DeepSeek's EP144 decode: 256 + 32 = 288 = 2 x 144).
 */
export function expertSlotsProblem(ffnExperts: number, ep: number, redundantExperts: number, placement: 'contiguous' | 'load-aware'): { path: string; message: string } | undefined {
  const slots = ffnExperts + redundantExperts;
  if (placement === 'contiguous') {
    if (ffnExperts % ep === 0) return undefined;
    const fill = ep - (ffnExperts % ep);
    return {
      path: 'parallel.ep',
      message: `must divide the ${ffnExperts} FFN experts with contiguous placement (each GPU hosts the same number); got ${ep}. Or fill the slots with redundant experts: placement: load-aware, redundantExperts: ${fill} (${ffnExperts + fill} slots = ${(ffnExperts + fill) / ep} per GPU)`,
    };
  }
  if (slots < ep) {
    return { path: 'parallel.redundantExperts', message: `${slots} expert slots (${ffnExperts} experts + ${redundantExperts} redundant) are fewer than the ${ep} GPUs of the EP group: every GPU needs at least one; use redundantExperts: ${ep - ffnExperts} or more` };
  }
  if (slots % ep !== 0) {
    const fill = ep - (slots % ep);
    return {
      path: 'parallel.redundantExperts',
      message: `${ffnExperts} experts + ${redundantExperts} redundant = ${slots} slots do not fill the ${ep} GPUs of the EP group evenly (${(slots / ep).toFixed(2)} per GPU); use redundantExperts: ${redundantExperts + fill} (${slots + fill} slots = ${(slots + fill) / ep} per GPU)`,
    };
  }
  return undefined;
}

/** Divisors of n (ascending), for hints. */
function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}

/** Expert e on rank floor(e / (N / ep)); ep must divide N. */
export function contiguousPlacement(ffnExperts: number, ep: number): ExpertPlacement {
  checkEp(ep, ffnExperts);
  if (ffnExperts % ep !== 0) {
    const near = divisors(ffnExperts).filter((d) => d > 1 && d <= Math.max(ep * 4, 8)).slice(-6);
    throw placementError(
      'parallel.ep',
      `contiguous expert placement needs the EP group size to divide the ${ffnExperts} FFN experts; ` +
        `got ${ep} (${ffnExperts} / ${ep} = ${(ffnExperts / ep).toFixed(2)} experts per rank). ` +
        `Use an EP size that divides ${ffnExperts} (e.g. ${near.join(', ')}) or placement: load-aware`,
    );
  }
  const per = ffnExperts / ep;
  const replicasOf: number[][] = [];
  for (let e = 0; e < ffnExperts; e++) replicasOf.push([Math.floor(e / per)]);
  const expertsOn: number[][] = [];
  for (let r = 0; r < ep; r++) expertsOn.push(Array.from({ length: per }, (_, i) => r * per + i));
  return { ep, ffnExperts, replicasOf, expertsOn, kind: 'contiguous' };
}

/**
 * EPLB-style placement of N experts (N = loadPerExpert.length) with `redundantExperts` extra
 * slots in the whole EP group. Every rank has ceil((N + R) / ep) slots (when ep does not divide
 * N + R some ranks keep a slot free).
 *
 * 1. Replication: each redundant slot goes to the expert with the highest load per replica
 *    (ties: lower expert id); an expert has at most ep replicas. A replica takes load / replicas.
 * 2. Packing: replicas sorted by load (descending; ties: expert id, then replica index) each go to
 *    the least-loaded rank that has a free slot and does not host that expert yet (ties: lower
 *    rank). Deterministic: no randomness, no dependence on Map or sort stability quirks.
 */
export function loadAwarePlacement(loadPerExpert: ArrayLike<number>, ep: number, redundantExperts: number): ExpertPlacement {
  const n = loadPerExpert.length;
  checkEp(ep, n);
  const r = redundantExperts;
  if (!Number.isInteger(r) || r < 0) {
    throw placementError('parallel.redundantExperts', `must be a non-negative integer; got ${r}`);
  }
  const tooMany = redundantSlotsProblem(n, ep, r);
  if (tooMany) throw placementError('parallel.redundantExperts', tooMany);
  for (let e = 0; e < n; e++) {
    const v = loadPerExpert[e]!;
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`loadPerExpert[${e}] must be a finite non-negative number; got ${v}`);
  }

  // 1. Replication: R greedy steps, each O(N) (R is small: tens).
  const replicas = new Int32Array(n).fill(1);
  for (let s = 0; s < r; s++) {
    let best = -1;
    let bestLoad = -1;
    for (let e = 0; e < n; e++) {
      if (replicas[e]! >= ep) continue;
      const perReplica = loadPerExpert[e]! / replicas[e]!;
      if (perReplica > bestLoad) {
        bestLoad = perReplica;
        best = e;
      }
    }
    replicas[best]!++;
  }

  // 2. Packing.
  const items: { expert: number; replica: number; load: number }[] = [];
  for (let e = 0; e < n; e++) {
    for (let i = 0; i < replicas[e]!; i++) items.push({ expert: e, replica: i, load: loadPerExpert[e]! / replicas[e]! });
  }
  items.sort((a, b) => b.load - a.load || a.expert - b.expert || a.replica - b.replica);
  const slots = Math.ceil((n + r) / ep);
  const rankLoad = new Float64Array(ep);
  const expertsOn: number[][] = Array.from({ length: ep }, () => []);
  const replicasOf: number[][] = Array.from({ length: n }, () => []);
  for (const item of items) {
    let best = -1;
    for (let k = 0; k < ep; k++) {
      if (expertsOn[k]!.length >= slots) continue;
      if (replicasOf[item.expert]!.includes(k)) continue;
      if (best < 0 || rankLoad[k]! < rankLoad[best]!) best = k;
    }
    if (best < 0) {
      // Cannot happen: total slots >= items and an expert has at most ep replicas; kept as a guard.
      throw new Error(`loadAwarePlacement: no free slot for expert ${item.expert} replica ${item.replica}`);
    }
    expertsOn[best]!.push(item.expert);
    replicasOf[item.expert]!.push(best);
    rankLoad[best]! += item.load;
  }
  for (const list of expertsOn) list.sort((a, b) => a - b);
  for (const list of replicasOf) list.sort((a, b) => a - b);
  return { ep, ffnExperts: n, replicasOf, expertsOn, kind: 'load-aware' };
}

/**
 * Token-expert assignments each FFN expert of `layer` receives from `tokens` (ids in the source's
 * token space, e.g. from source.sampleTokens on a calibration rng). Zero experts are not counted.
 */
export function expertLoadFromSource(source: RoutingSource, layer: number, tokens: Int32Array): Float64Array {
  const load = new Float64Array(source.ffnExperts);
  const out = new Uint16Array(source.topk);
  const n = source.ffnExperts;
  for (let i = 0; i < tokens.length; i++) {
    source.expertsOf(tokens[i]!, layer, out);
    for (let j = 0; j < out.length; j++) {
      const e = out[j]!;
      if (e < n) load[e]!++;
    }
  }
  return load;
}

/**
 * Load each rank would carry under `placement` if every expert's load split evenly over its
 * replicas (what loadAwarePlacement balances). Useful to compare placements.
 */
export function rankLoadOf(placement: ExpertPlacement, loadPerExpert: ArrayLike<number>): Float64Array {
  const out = new Float64Array(placement.ep);
  placement.replicasOf.forEach((ranks, e) => {
    for (const rank of ranks) out[rank]! += loadPerExpert[e]! / ranks.length;
  });
  return out;
}

export interface LayerPlacementsOptions {
  source: RoutingSource;
  kind: 'contiguous' | 'load-aware';
  ep: number;
  /** Extra expert slots per EP group (load-aware only). */
  redundantExperts?: number;
  /**
   * Tokens whose routing sets the loads that load-aware placement balances (EPLB balances on
   * recorded history, so draw them with their own rng, not the step's). Required for load-aware.
   */
  calibrationTokens?: Int32Array;
}

/**
 * One placement per MoE layer of `source` (each layer has its own experts, so EPLB places them
 * per layer). Contiguous placement is the same object for every layer.
 */
export function layerPlacements(o: LayerPlacementsOptions): ExpertPlacement[] {
  if (o.kind === 'contiguous') {
    const p = contiguousPlacement(o.source.ffnExperts, o.ep);
    return new Array<ExpertPlacement>(o.source.layers).fill(p);
  }
  if (!o.calibrationTokens) throw new RangeError('layerPlacements: load-aware placement needs calibrationTokens');
  const out: ExpertPlacement[] = [];
  for (let l = 0; l < o.source.layers; l++) {
    out.push(loadAwarePlacement(expertLoadFromSource(o.source, l, o.calibrationTokens), o.ep, o.redundantExperts ?? 0));
  }
  return out;
}
