// Every flow of every collective in flat typed arrays, numbered globally, with the part ops at
// both ends, the flows each one releases, and each part's outgoing flows. Built once per run so
// the executor touches no per-flow objects or maps while it runs.
import { afterList, type OpGraph } from './op-graph.ts';

export interface FlowTable {
  count: number;
  src: Int32Array;
  dst: Int32Array;
  bytes: Float64Array;
  latencySteps: Float64Array;
  /** Op ids of the sending and receiving parts. */
  srcPart: Int32Array;
  dstPart: Int32Array;
  /** Conditions before a flow may start: its sender's part has started, plus each flow it waits for. */
  waiting: Int32Array;
  /** Whether the flow waits for its predecessors to drain (true) or to arrive (false). */
  afterDrain: Uint8Array;
  /** CSR: the flows that wait for flow f are followers[followStart[f] .. followStart[f + 1]). */
  followStart: Int32Array;
  followers: Int32Array;
  /** CSR by op id: the flows a part sends are sent[sendStart[op] .. sendStart[op + 1]). */
  sendStart: Int32Array;
  sent: Int32Array;
  /** Flows to wait for per part op (sends and receives; a self-flow counts once). */
  partFlows: Int32Array;
}

export function buildFlowTable(graph: OpGraph): FlowTable {
  let count = 0;
  for (const c of graph.collectives) count += c.spec.flows.length;
  const n = graph.size;
  const src = new Int32Array(count);
  const dst = new Int32Array(count);
  const bytes = new Float64Array(count);
  const latencySteps = new Float64Array(count);
  const srcPart = new Int32Array(count);
  const dstPart = new Int32Array(count);
  const waiting = new Int32Array(count);
  const afterDrain = new Uint8Array(count);
  const followCount = new Int32Array(count + 1);
  const sendCount = new Int32Array(n + 1);
  const partFlows = new Int32Array(n);
  const partOfGpu = new Int32Array(maxGpu(graph) + 1).fill(-1);
  let base = 0;
  for (const c of graph.collectives) {
    c.spec.parts.forEach((p, i) => (partOfGpu[p.gpu] = c.partOps[i]!));
    c.spec.flows.forEach((f, i) => {
      const g = base + i;
      src[g] = f.src;
      dst[g] = f.dst;
      bytes[g] = f.bytes;
      latencySteps[g] = f.latencySteps ?? 1;
      srcPart[g] = partOfGpu[f.src]!;
      dstPart[g] = partOfGpu[f.dst]!;
      const after = afterList(f);
      waiting[g] = 1 + after.length;
      afterDrain[g] = f.afterDrain ? 1 : 0;
      for (const a of after) followCount[base + a + 1]!++;
      sendCount[srcPart[g]! + 1]!++;
      partFlows[srcPart[g]!]!++;
      if (f.dst !== f.src) partFlows[dstPart[g]!]!++;
    });
    c.spec.parts.forEach((p) => (partOfGpu[p.gpu] = -1));
    base += c.spec.flows.length;
  }
  const followStart = prefixSums(followCount);
  const sendStart = prefixSums(sendCount);
  const followers = new Int32Array(followStart[count]!);
  const sent = new Int32Array(count);
  const followFill = followStart.slice(0, count);
  const sendFill = sendStart.slice(0, n);
  base = 0;
  for (const c of graph.collectives) {
    c.spec.flows.forEach((f, i) => {
      const g = base + i;
      for (const a of afterList(f)) followers[followFill[base + a]!++] = g;
      sent[sendFill[srcPart[g]!]!++] = g;
    });
    base += c.spec.flows.length;
  }
  return { count, src, dst, bytes, latencySteps, srcPart, dstPart, waiting, afterDrain, followStart, followers, sendStart, sent, partFlows };
}

function prefixSums(counts: Int32Array): Int32Array {
  const out = counts.slice();
  for (let i = 1; i < out.length; i++) out[i]! += out[i - 1]!;
  return out;
}

function maxGpu(graph: OpGraph): number {
  let max = 0;
  for (let i = 0; i < graph.size; i++) max = Math.max(max, graph.gpuOf[i]!);
  return max;
}
