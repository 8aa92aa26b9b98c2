// Random routing the way EP libraries benchmark their kernels (DeepEP's tests): every token draws
// iid scores, keeps the experts of its best `groupsPerToken` node groups (group-limited routing)
// and picks its top-k there. With iid scores that is: a uniformly random set of groups, then a
// uniformly random k-subset of their experts. Balanced only on average, unlike uniform routing.
// It models no real model's routing; it exists so the a2a workload can be set up like the
// libraries' own benchmarks. Seeded; a fixed pool of tokens, drawn like decode tokens.
import { createRng, type Rng } from '../core/index.ts';
import type { RoutingSource } from './routing-source.ts';
import { checkShape, describeShape } from './shape.ts';

export interface RandomSourceOptions {
  layers: number;
  ffnExperts: number;
  topk: number;
  /** Expert groups (DeepEP: one per node of the EP group); experts split evenly, in id order. */
  groups: number;
  /** Groups each token may use (DeepEP's num_topk_groups; default min(groups, 4)). */
  groupsPerToken?: number;
  seed: number;
  /** Tokens in the pool (default 65,536). */
  tokens?: number;
}

export function randomRoutingSource(o: RandomSourceOptions): RoutingSource {
  const { layers, ffnExperts: n, topk: k } = o;
  checkShape({ modelLayers: layers, ffnExperts: n, zeroExperts: 0, topk: k }, 'random routing source');
  const groups = Math.max(1, o.groups);
  if (n % groups !== 0) throw new RangeError(`random routing: ${groups} groups must divide the ${n} experts`);
  const perGroup = n / groups;
  const g = Math.min(groups, o.groupsPerToken ?? Math.min(groups, 4));
  if (g * perGroup < k) throw new RangeError(`random routing: top-${k} needs more than ${g} groups of ${perGroup} experts`);
  const pool = o.tokens ?? 65536;
  const tables: Uint16Array[] = [];
  const table = (layer: number): Uint16Array => {
    let t = tables[layer];
    if (!t) {
      t = drawTable(createRng(`${o.seed}:random-routing:${layer}`), pool, k, groups, perGroup, g);
      tables[layer] = t;
    }
    return t;
  };
  return {
    kind: 'random',
    description: `random routing like EP library benchmarks (${describeShape({ modelLayers: layers, ffnExperts: n, zeroExperts: 0, topk: k })}; each token picks top-${k} within ${g} of ${groups} node groups, seed ${o.seed}); not a real model's routing`,
    ffnExperts: n,
    zeroExperts: 0,
    topk: k,
    layers,
    sampleTokens: (rng: Rng, count: number) => Int32Array.from({ length: count }, () => rng.int(pool)),
    expertsOf(token: number, layer: number, out: Uint16Array): void {
      out.set(table(layer).subarray(token * k, token * k + k));
    },
  };
}

function drawTable(rng: Rng, pool: number, k: number, groups: number, perGroup: number, g: number): Uint16Array {
  const out = new Uint16Array(pool * k);
  const groupDeck = Int32Array.from({ length: groups }, (_, i) => i);
  const candidates = new Int32Array(g * perGroup);
  for (let t = 0; t < pool; t++) {
    // g distinct groups by a partial Fisher-Yates shuffle, then k distinct experts among theirs.
    for (let i = 0; i < g; i++) swap(groupDeck, i, i + rng.int(groups - i));
    for (let i = 0; i < g; i++) for (let e = 0; e < perGroup; e++) candidates[i * perGroup + e] = groupDeck[i]! * perGroup + e;
    for (let j = 0; j < k; j++) {
      swap(candidates, j, j + rng.int(candidates.length - j));
      out[t * k + j] = candidates[j]!;
    }
  }
  return out;
}

function swap(a: Int32Array, i: number, j: number): void {
  const x = a[i]!;
  a[i] = a[j]!;
  a[j] = x;
}
