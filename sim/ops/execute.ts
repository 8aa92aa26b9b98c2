// Runs an op graph on the engine and records a timeline of spans. An op starts when all its
// dependencies are done and it is at the head of its (in-order) stream. Compute ops slow down
// while communication kernels on the same GPU hold SMs: with c of S SMs held, compute progresses
// at (S - c) / S of full speed (memory-bound kernels are assumed to scale the same way).
import { Engine } from '../engine/engine.ts';
import { NORMAL, URGENT } from '../engine/event-queue.ts';
import { SimInvariantError } from '../errors.ts';
import { Network } from '../network/network.ts';
import type { Route } from '../network/route.ts';
import { cycleError, dependentsOf, describe, findCycle } from './check-graph.ts';
import { afterList, type OpGraph, type OpId } from './op-graph.ts';
import type { Span, Timeline } from './timeline.ts';

export interface ExecuteOptions {
  gpus: number;
  smsPerGpu: number;
  linkCapacityBytesPerNs: Float64Array;
  route: (src: number, dst: number) => Route;
  /** See Network: 0 recomputes rates at every drain (exact max-min). */
  recomputeFraction?: number;
  /** Leave out spans to save memory in throughput benchmarks. */
  recordSpans?: boolean;
}

// Events carry (op, version) packed in one number so one callback serves every compute op; a
// stale version means the op was rescheduled after its compute share changed.
const VERSIONS = 2 ** 20;

export function execute(graph: OpGraph, options: ExecuteOptions): Timeline {
  const n = graph.size;
  const dependents = dependentsOf(graph);
  const engine = new Engine();
  const record = options.recordSpans ?? true;
  const spans: Span[] = [];
  const sms = options.smsPerGpu;
  const { gpuOf, streamOf, collectiveOf } = graph;

  const pendingDeps = new Int32Array(n);
  for (let id = 0; id < n; id++) pendingDeps[id] = graph.depsStart[id + 1]! - graph.depsStart[id]!;
  const streamCount = graph.streamOps.length;
  const streamHead = new Int32Array(streamCount);
  const streamBusy = new Uint8Array(streamCount);
  const startNs = new Float64Array(n).fill(-1);
  const endNs = new Float64Array(n).fill(-1);
  let done = 0;

  const commSms = new Float64Array(options.gpus);
  // Running compute ops per GPU, with their progress (work is ns at full speed).
  const running: OpId[][] = Array.from({ length: options.gpus }, () => []);
  const remainingWork = new Float64Array(n);
  const share = new Float64Array(n);
  const sinceNs = new Float64Array(n);
  const version = new Int32Array(n);
  const bytesSent = new Float64Array(options.gpus);
  const bytesReceived = new Float64Array(options.gpus);

  // Collective state: per part op, flows still to arrive; per flow, conditions still unmet.
  const partPending = new Int32Array(n);
  const flowWaiting: Int32Array[] = [];
  const flowFollowers: number[][][] = [];
  const partsOfGpu: Map<number, OpId>[] = [];
  const flowsFromGpu: Map<number, number[]>[] = [];
  // Flows are numbered globally (collective base + index) so the network reports them by number.
  const flowBase = new Int32Array(graph.collectives.length + 1);
  graph.collectives.forEach((c, ci) => (flowBase[ci + 1] = flowBase[ci]! + c.spec.flows.length));
  const flowCollective = new Int32Array(flowBase[graph.collectives.length]!);
  graph.collectives.forEach((c, ci) => flowCollective.fill(ci, flowBase[ci]!, flowBase[ci + 1]!));
  graph.collectives.forEach((c, ci) => {
    const partOfGpu = new Map<number, OpId>();
    c.spec.parts.forEach((p, i) => partOfGpu.set(p.gpu, c.partOps[i]!));
    partsOfGpu.push(partOfGpu);
    const waiting = new Int32Array(c.spec.flows.length);
    const followers: number[][] = c.spec.flows.map(() => []);
    const fromGpu = new Map<number, number[]>();
    c.spec.flows.forEach((f, i) => {
      const after = afterList(f);
      waiting[i] = 1 + after.length;
      for (const a of after) followers[a]!.push(i);
      partPending[partOfGpu.get(f.src)!]!++;
      if (f.dst !== f.src) partPending[partOfGpu.get(f.dst)!]!++;
      let list = fromGpu.get(f.src);
      if (!list) fromGpu.set(f.src, (list = []));
      list.push(i);
    });
    flowWaiting[ci] = waiting;
    flowFollowers[ci] = followers;
    flowsFromGpu[ci] = fromGpu;
  });

  const computeShare = (gpu: number) => Math.max(1 / sms, 1 - commSms[gpu]! / sms);

  const tryStartStream = (s: number) => {
    if (streamBusy[s]) return;
    const queue = graph.streamOps[s]!;
    const head = streamHead[s]!;
    if (head >= queue.length) return;
    const id = queue[head]!;
    if (pendingDeps[id]! > 0) return;
    streamBusy[s] = 1;
    startNs[id] = engine.now;
    if (collectiveOf[id]! < 0) startCompute(id);
    else startPart(id);
  };

  const startCompute = (id: OpId) => {
    const gpu = gpuOf[id]!;
    remainingWork[id] = graph.workNsOf[id]!;
    share[id] = computeShare(gpu);
    sinceNs[id] = engine.now;
    running[gpu]!.push(id);
    scheduleComputeEnd(id);
  };

  const onComputeEnd = (packed: number) => {
    const id = Math.floor(packed / VERSIONS);
    if (packed % VERSIONS !== version[id]) return;
    const list = running[gpuOf[id]!]!;
    list[list.indexOf(id)] = list[list.length - 1]!;
    list.pop();
    finish(id);
  };

  const scheduleComputeEnd = (id: OpId) => {
    const v = (version[id] = (version[id]! + 1) % VERSIONS);
    const delay = Math.ceil(remainingWork[id]! / share[id]! - 1e-9);
    engine.after(Math.max(0, delay), onComputeEnd, NORMAL, id * VERSIONS + v);
  };

  const changeCommSms = (gpu: number, delta: number) => {
    commSms[gpu]! += delta;
    const newShare = computeShare(gpu);
    for (const id of running[gpu]!) {
      remainingWork[id] = Math.max(0, remainingWork[id]! - (engine.now - sinceNs[id]!) * share[id]!);
      sinceNs[id] = engine.now;
      share[id] = newShare;
      scheduleComputeEnd(id);
    }
  };

  const startPart = (id: OpId) => {
    const ci = collectiveOf[id]!;
    const spec = graph.collectives[ci]!.spec;
    if (spec.sms) changeCommSms(gpuOf[id]!, spec.sms);
    for (const f of flowsFromGpu[ci]!.get(gpuOf[id]!) ?? []) release(ci, f);
    maybeFinishPart(id);
  };

  const release = (ci: number, f: number) => {
    if (--flowWaiting[ci]![f]! > 0) return;
    const flow = graph.collectives[ci]!.spec.flows[f]!;
    const r = options.route(flow.src, flow.dst);
    network.startFlow(r.links, flow.bytes, r.latencyNs, flowBase[ci]! + f);
  };

  const network = new Network(
    engine,
    options.linkCapacityBytesPerNs,
    {
      drained(token) {
        const ci = flowCollective[token]!;
        const flows = graph.collectives[ci]!.spec.flows;
        for (const g of flowFollowers[ci]![token - flowBase[ci]!]!) if (flows[g]!.afterDrain) release(ci, g);
      },
      arrived(token) {
        const ci = flowCollective[token]!;
        const f = token - flowBase[ci]!;
        const flows = graph.collectives[ci]!.spec.flows;
        const flow = flows[f]!;
        bytesSent[flow.src]! += flow.bytes;
        bytesReceived[flow.dst]! += flow.bytes;
        for (const g of flowFollowers[ci]![f]!) if (!flows[g]!.afterDrain) release(ci, g);
        const parts = partsOfGpu[ci]!;
        arrived(parts.get(flow.src)!);
        if (flow.dst !== flow.src) arrived(parts.get(flow.dst)!);
      },
    },
    { recomputeFraction: options.recomputeFraction },
  );

  const arrived = (part: OpId) => {
    partPending[part]!--;
    if (startNs[part]! >= 0) maybeFinishPart(part);
  };

  const onPartEnd = (id: number) => {
    const spec = graph.collectives[collectiveOf[id]!]!.spec;
    if (spec.sms) changeCommSms(gpuOf[id]!, -spec.sms);
    finish(id);
  };

  const maybeFinishPart = (id: OpId) => {
    if (partPending[id]! > 0 || endNs[id]! !== -1) return;
    endNs[id] = -2; // finishing
    const spec = graph.collectives[collectiveOf[id]!]!.spec;
    engine.at(Math.max(engine.now, startNs[id]! + (spec.overheadNs ?? 0)), onPartEnd, URGENT, id);
  };

  const finish = (id: OpId) => {
    const now = engine.now;
    endNs[id] = now;
    done++;
    if (record) {
      const layer = graph.layerOf[id]!;
      const microBatch = graph.microBatchOf[id]!;
      spans.push({
        op: id,
        gpu: gpuOf[id]!,
        stream: graph.streamLabel(streamOf[id]!),
        kind: graph.kinds[id]!,
        name: graph.names[id]!,
        ...(layer >= 0 ? { layer } : {}),
        ...(microBatch >= 0 ? { microBatch } : {}),
        startNs: startNs[id]!,
        endNs: now,
        flops: graph.flopsOf[id]!,
        bytes: graph.bytesOf[id]!,
      });
    }
    const s = streamOf[id]!;
    streamBusy[s] = 0;
    streamHead[s]!++;
    for (let j = dependents.start[id]!; j < dependents.start[id + 1]!; j++) {
      const d = dependents.list[j]!;
      if (--pendingDeps[d]! === 0) tryStartStream(streamOf[d]!);
    }
    tryStartStream(s);
  };

  for (let s = 0; s < streamCount; s++) tryStartStream(s);
  const makespanNs = engine.run();
  if (done !== n) {
    const cycle = findCycle(graph, dependents);
    throw cycle ? cycleError(graph, cycle) : stuckError(graph, startNs, endNs, pendingDeps, partPending);
  }
  return {
    spans,
    makespanNs,
    bytesSent,
    bytesReceived,
    linkBytes: network.linkBytes,
    stats: { events: engine.eventsProcessed, ops: n, ...network.stats },
  };
}

function stuckError(graph: OpGraph, startNs: Float64Array, endNs: Float64Array, pendingDeps: Int32Array, partPending: Int32Array) {
  const stuck: string[] = [];
  let unfinished = 0;
  for (let id = 0; id < graph.size; id++) {
    if (endNs[id]! >= 0) continue;
    unfinished++;
    if (stuck.length >= 8) continue;
    if (startNs[id]! >= 0) stuck.push(`${describe(graph, id)} started, waiting for ${partPending[id]} flows`);
    else if (pendingDeps[id]! > 0) stuck.push(`${describe(graph, id)} waiting for ${pendingDeps[id]} deps`);
  }
  return new SimInvariantError(
    `simulation stalled with ${unfinished} ops unfinished (a flow waits on a part that never starts?): ${stuck.join('; ')}`,
  );
}
