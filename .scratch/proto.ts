import { executeOptionsFor } from '../sim/network/cluster.ts';
import { directAllToAll } from '../sim/network/collectives.ts';
import { execute } from '../sim/ops/execute.ts';
import { OpGraph } from '../sim/ops/op-graph.ts';
import type { FlowSpec } from '../sim/network/index.ts';
import { createRng } from '../sim/core/rng.ts';
import { toyTopology } from '../test/helpers/toy-topology.ts';
import type { Topology } from '../sim/hardware/topology.ts';

function exact(topology: Topology, gpus: number[], flows: FlowSpec[]) {
  const graph = new OpGraph();
  graph.collective({ name: 'a2a', kind: 'dispatch', stream: 'comm', parts: gpus.map((gpu) => ({ gpu })), flows });
  const t = execute(graph, executeOptionsFor(topology, { recomputeFraction: 0 }));
  const end = new Float64Array(gpus.length);
  for (const s of t.spans) end[s.gpu] = s.endNs;
  return end;
}

/** Single link, capacity C, flows with sizes s and rate caps c (Infinity = none): max-min finish times. */
function linkWithCaps(C: number, s: number[], c: number[]): number[] {
  const k = s.length;
  const rem = s.slice();
  const done = new Array(k).fill(false);
  const fin = new Array(k).fill(0);
  let t = 0;
  let left = k;
  while (left > 0) {
    // water level
    const act = [...Array(k).keys()].filter((i) => !done[i]).sort((a, b) => c[a]! - c[b]!);
    const rate = new Array(k).fill(0);
    let cap = C;
    let m = act.length;
    for (const i of act) {
      const share = cap / m;
      rate[i] = Math.min(c[i]!, share);
      cap -= rate[i];
      m--;
    }
    let dt = Infinity;
    for (const i of act) dt = Math.min(dt, rem[i]! / rate[i]!);
    t += dt;
    for (const i of act) {
      rem[i] -= rate[i] * dt;
      if (rem[i]! <= 1e-9 * s[i]!) { done[i] = true; fin[i] = t; left--; }
    }
  }
  return fin;
}

function model(topology: Topology, gpus: number[], flows: FlowSpec[], rule: string) {
  const o = executeOptionsFor(topology);
  const cap = o.linkCapacityBytesPerNs;
  const onLink: number[][] = Array.from({ length: cap.length }, () => []);
  const routes = flows.map((f) => o.route(f.src, f.dst));
  flows.forEach((f, i) => routes[i]!.links.forEach((l) => onLink[l]!.push(i)));
  const fend = new Float64Array(flows.length);
  let perLink0 = new Map<string, number>();
  for (let l = 0; l < cap.length; l++) {
    const fs = onLink[l]!;
    if (!fs.length) continue;
    const sizes = fs.map((i) => flows[i]!.bytes);
    const total = sizes.reduce((a, b) => a + b, 0);
    for (const i of fs) {
      const s = flows[i]!.bytes;
      const W = rule === 'drain' ? total : sizes.reduce((a, q) => a + Math.min(q, s), 0);
      fend[i] = Math.max(fend[i]!, W / cap[l]!);
      perLink0.set(`${i}/${l}`, W / cap[l]!);
    }
  }
  const passes = rule === 'p2' ? 1 : rule === 'p3' ? 2 : rule === 'p5' ? 4 : 0;
  for (let it = 0; it < passes; it++) {
    const T1 = Float64Array.from(fend);
    const next = new Float64Array(flows.length);
    for (let l = 0; l < cap.length; l++) {
      const fs = onLink[l]!;
      if (!fs.length) continue;
      const C = cap[l]!;
      for (const f of fs) {
        const sf = flows[f]!.bytes;
        // smallest T with C*T >= sf + sum_g min(sg, sf, sg*T/T1g): bisection on [sf/C, T1 upper]
        const rhs = (T: number) => { let r = sf; for (const g of fs) if (g !== f) r += Math.min(flows[g]!.bytes, sf, flows[g]!.bytes * T / T1[g]!); return r; };
        let lo = sf / C, hi = Math.max(lo, T1[f]!) * 2 + 1;
        for (let k = 0; k < 50; k++) { const mid = (lo + hi) / 2; if (C * mid >= rhs(mid)) hi = mid; else lo = mid; }
        next[f] = Math.max(next[f]!, hi);
      }
    }
    fend.set(next);
  }
  // weighted PS per link with weights from the previous round's binding link
  const gps = rule === 'w1' ? 1 : rule === 'w2' ? 2 : rule === 'w4' ? 4 : 0;
  let perL = perLink0;
  for (let it = 0; it < gps; it++) {
    const T = Float64Array.from(fend);
    const next = new Float64Array(flows.length);
    const nextL = new Map<string, number>();
    for (let l = 0; l < cap.length; l++) {
      const fs = onLink[l]!;
      if (!fs.length) continue;
      const C = cap[l]!;
      const w = fs.map((g) => Math.min(1, (perL.get(`${g}/${l}`) ?? T[g]!) / T[g]!));
      const tag = fs.map((g, k) => flows[g]!.bytes / w[k]!);
      const order = fs.map((_, k) => k).sort((a, b) => tag[a]! - tag[b]!);
      let V = 0, t = 0, W = w.reduce((a, b) => a + b, 0);
      for (const k of order) {
        t += (tag[k]! - V) * W / C;
        V = tag[k]!;
        W -= w[k]!;
        const g = fs[k]!;
        nextL.set(`${g}/${l}`, t);
        next[g] = Math.max(next[g]!, t);
      }
    }
    perL = nextL;
    fend.set(next);
  }
  const iters = rule === 'caps1' ? 1 : rule === 'caps3' ? 3 : 0;
  for (let it = 0; it < iters; it++) {
    const perLink = new Map<string, number>();
    const next = new Float64Array(flows.length);
    for (let l = 0; l < cap.length; l++) {
      const fs = onLink[l]!;
      if (!fs.length) continue;
      const sizes = fs.map((i) => flows[i]!.bytes);
      // cap: the flow's rate allowed by its other links last round
      const caps = fs.map((i) => {
        let other = 0;
        for (const m of routes[i]!.links) if (m !== l) other = Math.max(other, perLink0.get(`${i}/${m}`) ?? 0);
        return other > 0 ? flows[i]!.bytes / other : Infinity;
      });
      const fin = linkWithCaps(cap[l]!, sizes, caps);
      fs.forEach((i, k) => { perLink.set(`${i}/${l}`, fin[k]!); next[i] = Math.max(next[i]!, fin[k]!); });
    }
    perLink0 = perLink;
    fend.set(next);
  }
  const end = new Float64Array(gpus.length);
  flows.forEach((f, i) => {
    const t = fend[i]! + routes[i]!.latencyNs;
    end[f.src] = Math.max(end[f.src]!, t);
    end[f.dst] = Math.max(end[f.dst]!, t);
  });
  return end;
}

const rng = createRng(7);
const RULES = ['ps', 'p2', 'w1', 'w2', 'w4'];
const stats: Record<string, number[]> = {};
const kinds = ['dense-uneven', 'sparse', 'hot', 'uniform'];
const worst: Record<string, { err: number; kind: string }> = { ps: { err: 0, kind: '' }, caps1: { err: 0, kind: '' }, caps3: { err: 0, kind: '' } };
for (let c = 0; c < 200; c++) {
  const nodes = 1 + rng.int(4);
  const gpn = [2, 4, 8][rng.int(3)]!;
  const over = rng.next() < 0.3 && nodes > 1 ? 1 + rng.next() * 3 : 0;
  const topology = toyTopology({ nodes, gpusPerNode: gpn, tiers: over ? [{ name: 'leaf', nodesPerSwitch: 1, oversubscription: over, latencyNs: 500 }] : [] });
  const n = nodes * gpn;
  const gpus = Array.from({ length: n }, (_, i) => i);
  const kind = kinds[rng.int(kinds.length)]!;
  const hot = rng.int(n);
  const bytes = gpus.map((i) => gpus.map((j) => {
    if (i === j) return 0;
    const base = 1e5;
    if (kind === 'uniform') return base;
    if (kind === 'sparse') return rng.next() < 0.3 ? Math.round(base * (0.2 + 2 * rng.next())) : 0;
    if (kind === 'hot') return j === hot ? base * 4 : base * (0.5 + rng.next());
    return Math.round(base * (0.5 + rng.next()));
  }));
  const flows = directAllToAll(gpus, bytes);
  if (!flows.length) continue;
  const ex = exact(topology, gpus, flows);
  for (const rule of RULES) {
    const m = model(topology, gpus, flows, rule);
    let err = 0;
    for (let r = 0; r < n; r++) if (ex[r]! > 0 && Math.abs(m[r]! - ex[r]!) / ex[r]! > Math.abs(err)) err = (m[r]! - ex[r]!) / ex[r]!;

    (stats[rule] ??= []).push(err); (stats[rule + ":" + kind + (over ? ":over" : "")] ??= []).push(err);
  }
}
for (const rule of Object.keys(stats).sort()) {
  const e = stats[rule]!.map(Math.abs).sort((a, b) => a - b);
  const q = (p: number) => (e[Math.floor(p * (e.length - 1))]! * 100).toFixed(2);
  console.log(rule.padEnd(22), 'n', e.length, 'median', q(0.5), 'p90', q(0.9), 'max', q(1), '%');
}
// per kind breakdown
