// Checks of an op graph: every dependency exists (before running), and when a run stalls, the
// dependency cycle (through deps and stream order) that caused it. Errors name the ops involved.
import { SimInvariantError } from '../core/index.ts';
import type { OpGraph, OpId } from './op-graph.ts';

export class OpGraphError extends SimInvariantError {
  constructor(message: string) {
    super(message);
    this.name = 'OpGraphError';
  }
}

export interface Dependents {
  start: Int32Array;
  list: Int32Array;
}

/** Validates dependency ids and returns each op's dependents as a CSR list. */
export function dependentsOf(graph: OpGraph): Dependents {
  const n = graph.size;
  const counts = new Int32Array(n + 1);
  const { depsList, depsStart } = graph;
  for (let id = 0; id < n; id++) {
    const end = depsStart[id + 1]!;
    for (let j = depsStart[id]!; j < end; j++) {
      const d = depsList[j]!;
      if (d < 0 || d >= n) throw new OpGraphError(`${describe(graph, id)} depends on op #${d}, which does not exist`);
      if (d === id) throw new OpGraphError(`${describe(graph, id)} depends on itself`);
      counts[d + 1]!++;
    }
  }
  for (let i = 0; i < n; i++) counts[i + 1]! += counts[i]!;
  const start = counts.slice();
  const fill = counts.subarray(0, n);
  const list = new Int32Array(counts[n]!);
  for (let id = 0; id < n; id++) {
    const end = depsStart[id + 1]!;
    for (let j = depsStart[id]!; j < end; j++) list[fill[depsList[j]!]!++] = id;
  }
  return { start, list };
}

export function describe(graph: OpGraph, id: OpId): string {
  return `op #${id} '${graph.names[id]}' (${graph.streamNames[graph.streamOf[id]!]})`;
}

/** Returns a cycle through deps and stream order as op ids, or undefined when there is none. */
export function findCycle(graph: OpGraph, dependents: Dependents): OpId[] | undefined {
  const n = graph.size;
  const indegree = new Int32Array(n);
  const nextInStream = new Int32Array(n).fill(-1);
  const prevInStream = new Int32Array(n).fill(-1);
  for (const ops of graph.streamOps) {
    for (let i = 1; i < ops.length; i++) {
      nextInStream[ops[i - 1]!] = ops[i]!;
      prevInStream[ops[i]!] = ops[i - 1]!;
      indegree[ops[i]!]!++;
    }
  }
  for (let id = 0; id < n; id++) indegree[id]! += graph.depsStart[id + 1]! - graph.depsStart[id]!;
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (indegree[i] === 0) queue.push(i);
  while (queue.length > 0) {
    const v = queue.pop()!;
    for (let j = dependents.start[v]!; j < dependents.start[v + 1]!; j++) {
      const w = dependents.list[j]!;
      if (--indegree[w]! === 0) queue.push(w);
    }
    const next = nextInStream[v]!;
    if (next >= 0 && --indegree[next]! === 0) queue.push(next);
  }
  let v = indegree.findIndex((d) => d > 0);
  if (v < 0) return undefined;
  // Every op left has a predecessor that is also left: walk back until one repeats.
  const order: number[] = [];
  const position = new Map<number, number>();
  while (!position.has(v)) {
    position.set(v, order.length);
    order.push(v);
    const preds = [...graph.depsOf(v)];
    if (prevInStream[v]! >= 0) preds.push(prevInStream[v]!);
    v = preds.find((p) => indegree[p]! > 0)!;
  }
  return order.slice(position.get(v)!).reverse();
}

export function cycleError(graph: OpGraph, cycle: OpId[]): OpGraphError {
  const names = cycle.map((id) => `#${id} '${graph.names[id]}' (${graph.streamNames[graph.streamOf[id]!]})`);
  return new OpGraphError(`dependency cycle (through deps and stream order): ${names.join(' -> ')} -> back to the first`);
}
