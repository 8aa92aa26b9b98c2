// The `flow` network backend, the reference model: every collective is expanded into one flow per
// GPU pair (and per piece, relay hop or ring edge, as its algorithm says), and the flows share links
// max-min fairly (network.ts). A flow starts when its sender's part has started and the flows it
// waits for have arrived (or drained); a part is done when every flow it sends or receives has
// arrived. All flows of a run are numbered and laid out in flat arrays once, so the run touches no
// per-flow objects or maps.
import { expandCollective, FlowList } from './algorithms.ts';
import type { BackendContext, NetworkBackend, NetworkStats } from './backend.ts';
import { routesOverNic, type FlowSpec } from './collective-op.ts';
import { Network } from './network.ts';

export function createFlowBackend(ctx: BackendContext): NetworkBackend {
  const { engine, cluster, collectives, events } = ctx;
  const expanded = collectives.map((c) => {
    const sink = new FlowList();
    expandCollective(c.algorithm, cluster.topology, c.gpus, sink);
    return sink.flows;
  });
  const table = buildFlowTable(
    collectives.map((c) => c.gpus),
    expanded,
    cluster.gpus,
  );
  const partPending = table.partFlows;
  const flowWaiting = table.waiting;
  const started = new Uint8Array(table.parts);
  const bytesSent = new Float64Array(cluster.gpus);
  const bytesReceived = new Float64Array(cluster.gpus);

  const overNic = Uint8Array.from(collectives, (c) => (routesOverNic(c.algorithm) ? 1 : 0));
  const release = (f: number) => {
    if (--flowWaiting[f]! > 0) return;
    const r = cluster.route(table.src[f]!, table.dst[f]!, overNic[table.collectiveOfPart[table.srcPart[f]!]!] === 1);
    network.startFlow(r.links, table.bytes[f]!, r.latencyNs * table.latencySteps[f]!, f, table.src[f]! * cluster.gpus + table.dst[f]!);
  };

  const releaseFollowers = (f: number, onDrain: number) => {
    for (let j = table.followStart[f]!; j < table.followStart[f + 1]!; j++) {
      const g = table.followers[j]!;
      if (table.afterDrain[g] === onDrain) release(g);
    }
  };

  const arrivedAt = (part: number) => {
    partPending[part]!--;
    if (started[part] && partPending[part] === 0) events.partDone(table.collectiveOfPart[part]!, part - table.partBase[table.collectiveOfPart[part]!]!);
  };

  const network = new Network(
    engine,
    cluster.linkCapacityBytesPerNs,
    {
      drained: (f) => releaseFollowers(f, 1),
      arrived(f) {
        bytesSent[table.src[f]!]! += table.bytes[f]!;
        bytesReceived[table.dst[f]!]! += table.bytes[f]!;
        releaseFollowers(f, 0);
        arrivedAt(table.srcPart[f]!);
        if (table.dst[f] !== table.src[f]) arrivedAt(table.dstPart[f]!);
      },
    },
    { recomputeFraction: ctx.options.recomputeFraction, expectedFlows: largest(expanded), routeIds: cluster.gpus * cluster.gpus },
  );

  return {
    startPart(c, rank) {
      const part = table.partBase[c]! + rank;
      started[part] = 1;
      for (let j = table.sendStart[part]!; j < table.sendStart[part + 1]!; j++) release(table.sent[j]!);
      if (partPending[part] === 0) events.partDone(c, rank);
    },
    partBytes: (c, rank) => table.partBytes[table.partBase[c]! + rank]!,
    pendingTransfers: (c, rank) => partPending[table.partBase[c]! + rank]!,
    linkBytes: network.linkBytes,
    bytesSent,
    bytesReceived,
    get stats(): NetworkStats {
      return network.stats;
    },
  };
}

/** Every flow of every collective in flat typed arrays, numbered globally in collective order. */
export interface FlowTable {
  count: number;
  /** Parts in all (one per rank of each collective); part p of collective c is partBase[c] + rank. */
  parts: number;
  partBase: Int32Array;
  collectiveOfPart: Int32Array;
  src: Int32Array;
  dst: Int32Array;
  bytes: Float64Array;
  latencySteps: Float64Array;
  /** Parts at both ends. */
  srcPart: Int32Array;
  dstPart: Int32Array;
  /** Conditions before a flow may start: its sender's part has started, plus each flow it waits for. */
  waiting: Int32Array;
  /** Whether the flow waits for its predecessors to drain (1) or to arrive (0). */
  afterDrain: Uint8Array;
  /** CSR: the flows that wait for flow f are followers[followStart[f] .. followStart[f + 1]). */
  followStart: Int32Array;
  followers: Int32Array;
  /** CSR by part: the flows a part sends are sent[sendStart[part] .. sendStart[part + 1]). */
  sendStart: Int32Array;
  sent: Int32Array;
  /** Flows to wait for per part (sends and receives; a self-flow counts once). */
  partFlows: Int32Array;
  /** Bytes each part sends (relayed data included). */
  partBytes: Float64Array;
}

function buildFlowTable(participants: readonly (readonly number[])[], flowsOf: readonly (readonly FlowSpec[])[], gpus: number): FlowTable {
  let count = 0;
  for (const flows of flowsOf) count += flows.length;
  const partBase = new Int32Array(participants.length + 1);
  participants.forEach((p, c) => (partBase[c + 1] = partBase[c]! + p.length));
  const parts = partBase[participants.length]!;
  const collectiveOfPart = new Int32Array(parts);
  participants.forEach((_, c) => collectiveOfPart.fill(c, partBase[c]!, partBase[c + 1]!));
  const src = new Int32Array(count);
  const dst = new Int32Array(count);
  const bytes = new Float64Array(count);
  const latencySteps = new Float64Array(count);
  const srcPart = new Int32Array(count);
  const dstPart = new Int32Array(count);
  const waiting = new Int32Array(count);
  const afterDrain = new Uint8Array(count);
  const followCount = new Int32Array(count + 1);
  const sendCount = new Int32Array(parts + 1);
  const partFlows = new Int32Array(parts);
  const partBytes = new Float64Array(parts);
  const partOfGpu = new Int32Array(gpus).fill(-1);
  let base = 0;
  flowsOf.forEach((flows, c) => {
    participants[c]!.forEach((gpu, r) => (partOfGpu[gpu] = partBase[c]! + r));
    flows.forEach((f, i) => {
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
      partBytes[srcPart[g]!]! += f.bytes;
      if (f.dst !== f.src) partFlows[dstPart[g]!]!++;
    });
    participants[c]!.forEach((gpu) => (partOfGpu[gpu] = -1));
    base += flows.length;
  });
  const followStart = prefixSums(followCount);
  const sendStart = prefixSums(sendCount);
  const followers = new Int32Array(followStart[count]!);
  const sent = new Int32Array(count);
  const followFill = followStart.slice(0, count);
  const sendFill = sendStart.slice(0, parts);
  base = 0;
  for (const flows of flowsOf) {
    flows.forEach((f, i) => {
      const g = base + i;
      for (const a of afterList(f)) followers[followFill[base + a]!++] = g;
      sent[sendFill[srcPart[g]!]!++] = g;
    });
    base += flows.length;
  }
  return { count, parts, partBase, collectiveOfPart, src, dst, bytes, latencySteps, srcPart, dstPart, waiting, afterDrain, followStart, followers, sendStart, sent, partFlows, partBytes };
}

/** Flows of the largest collective: about the most flows that are ever in flight at once. */
function largest(flowsOf: readonly (readonly FlowSpec[])[]): number {
  let most = 0;
  for (const flows of flowsOf) most = Math.max(most, flows.length);
  return most;
}

const NO_FLOWS: readonly number[] = [];

/** The flows a flow waits for, as a list. */
function afterList(flow: FlowSpec): readonly number[] {
  if (flow.after === undefined) return NO_FLOWS;
  return typeof flow.after === 'number' ? [flow.after] : flow.after;
}

function prefixSums(counts: Int32Array): Int32Array {
  const out = counts.slice();
  for (let i = 1; i < out.length; i++) out[i]! += out[i - 1]!;
  return out;
}
