// Perfectly balanced routing, what other simulators assume, so users can see what real routing
// costs. Every expert (FFN and zero) receives the same number of picks over any run of
// consecutive tokens whose picks are a multiple of E = N + Z, and a token's k picks are spread
// evenly over the expert ids (so over the EP ranks), never clustered.
//
// The rule: token t at MoE layer l has pick slots p = t*k + j (j < k). Slot p maps to expert
//   (sigma(p mod E) + l) mod E,
// where sigma is the bijection of 0..E-1 that lists the residues by (r mod k) then r
// ("transpose"): sigma(r) = (r mod k)*floor(E/k) + min(r mod k, E mod k) + floor(r/k).
// A run of B consecutive tokens fills B*k consecutive slots, so every residue mod E, hence every
// expert, is hit floor or ceil of B*k/E times: exactly equal when E divides B*k. When k divides
// E, token t picks {c + j*E/k + l}: k ids spaced E/k apart, so with q = E/k dividing N every token
// has exactly k*N/E FFN experts (LongCat 512 + 256, top-12: 8 each, ids spaced 64 apart), and the
// mean is k*N/E over any balanced batch in every case.
//
// Because balance is a property of consecutive tokens, sampleTokens always returns one run of
// consecutive ids from a random start (decode too); draw a whole step's tokens in one call
// (sampleStepTokens) and split it over ranks, or the ranks' runs will not tile.
import type { Rng } from '../core/index.ts';
import type { RoutingSource } from './routing-source.ts';
import { checkShape, describeShape } from './shape.ts';

export interface UniformSourceOptions {
  layers: number;
  ffnExperts: number;
  zeroExperts: number;
  topk: number;
  /** Size of the token id space (rounded up to the routing period); default 65536. */
  tokens?: number;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

export function uniformRoutingSource(options: UniformSourceOptions): RoutingSource {
  const { layers, ffnExperts: n, zeroExperts: z, topk: k } = options;
  checkShape({ modelLayers: layers, ffnExperts: n, zeroExperts: z, topk: k }, 'uniform routing source');
  const e = n + z;
  const q = Math.floor(e / k);
  const rem = e % k;
  // tables[l][r] = expert of slot residue r at layer l.
  const tables: Uint16Array[] = [];
  for (let l = 0; l < layers; l++) {
    const table = new Uint16Array(e);
    for (let r = 0; r < e; r++) {
      const row = r % k;
      table[r] = (row * q + Math.min(row, rem) + Math.floor(r / k) + l) % e;
    }
    tables.push(table);
  }
  const period = e / gcd(k, e);
  const space = Math.ceil((options.tokens ?? 65536) / period) * period;
  return {
    kind: 'uniform',
    description: `uniform routing (${describeShape({ modelLayers: layers, ffnExperts: n, zeroExperts: z, topk: k })}): every expert gets the same load, ${((k * n) / e).toFixed(2)} FFN experts per token on average`,
    ffnExperts: n,
    zeroExperts: z,
    topk: k,
    layers,
    sampleTokens(rng: Rng, count: number, _contiguous: boolean): Int32Array {
      const out = new Int32Array(count);
      let p = rng.int(space);
      for (let i = 0; i < count; i++) {
        out[i] = p;
        if (++p === space) p = 0;
      }
      return out;
    },
    expertsOf(token: number, layer: number, out: Uint16Array): void {
      const table = tables[layer]!;
      let r = (token * k) % e;
      for (let j = 0; j < k; j++) {
        out[j] = table[r]!;
        if (++r === e) r = 0;
      }
    },
  };
}
