// Runs an op graph on the engine and records a timeline of spans. An op starts when all its
// dependencies are done and it is at the head of its (in-order) stream. Compute ops slow down
// while communication kernels on the same GPU hold SMs: with c of S SMs held, compute progresses
// at (S - c) / S of full speed (memory-bound kernels are assumed to scale the same way).
// Collectives run on a network backend (sim/network/backend.ts): the executor tells it when a part
// starts, and it says when the part's transfers have all arrived.
import { SimInvariantError } from '../core/index.ts';
import { Engine, NORMAL, URGENT } from '../engine/index.ts';
import { createNetworkBackend, type ClusterNetwork, type NetworkModel } from '../network/index.ts';
import { cycleError, dependentsOf, describe, findCycle } from './check-graph.ts';
import type { OpGraph, OpId } from './op-graph.ts';
import type { Span, Timeline } from './timeline.ts';

export interface ExecuteOptions extends ClusterNetwork {
  /** Which network model runs the collectives (default: fluid). */
  networkModel?: NetworkModel;
  /** Flow model only: 0 recomputes rates at every drain (exact max-min); see network.ts. */
  recomputeFraction?: number;
  /** Leave out spans to save memory in throughput benchmarks. */
  recordSpans?: boolean;
  /** Called every `progressEvery` finished ops (default 8,192) with the ops done and in all: progress for long steps. */
  onProgress?: (done: number, total: number) => void;
  progressEvery?: number;
}


export function execute(graph: OpGraph, options: ExecuteOptions): Timeline {
  const n = graph.size;
  const dependents = dependentsOf(graph);
  const { start: dependentsStart, list: dependentsList } = dependents;
  const engine = new Engine();
  const record = options.recordSpans ?? true;
  const spans: Span[] = [];
  const sms = options.smsPerGpu;
  const { gpuOf, streamOf, collectiveOf } = graph;

  const pendingDeps = new Int32Array(n);
  const depsStart = graph.depsStart;
  for (let id = 0; id < n; id++) pendingDeps[id] = depsStart[id + 1]! - depsStart[id]!;
  const streamCount = graph.streamOps.length;
  // Stream queues as one CSR list (stream s's ops are streamList[streamStart[s] ..]).
  const streamStart = new Int32Array(streamCount + 1);
  for (let s = 0; s < streamCount; s++) streamStart[s + 1] = streamStart[s]! + graph.streamOps[s]!.length;
  const streamList = new Int32Array(streamStart[streamCount]!);
  for (let s = 0; s < streamCount; s++) streamList.set(graph.streamOps[s]!, streamStart[s]!);
  const streamHead = new Int32Array(streamCount);
  const streamBusy = new Uint8Array(streamCount);
  const startNs = new Float64Array(n).fill(-1);
  const endNs = new Float64Array(n).fill(-1);
  let done = 0;
  const onProgress = options.onProgress;
  const progressEvery = Math.max(1, options.progressEvery ?? 8192);
  let nextProgress = onProgress ? progressEvery : Infinity;
  // The step ends when its last op does (a network model may still hold stale bookkeeping events).
  let lastEndNs = 0;

  const commSms = new Float64Array(options.gpus);
  // Only collectives that hold SMs slow compute down; without them no running list or per-op
  // progress is kept.
  const holdsSms = graph.collectives.some((c) => (c.spec.sms ?? 0) > 0);
  // Running compute ops per GPU, with their progress (work is ns at full speed).
  const running: OpId[][] = Array.from({ length: holdsSms ? options.gpus : 0 }, () => []);
  const perOp = holdsSms ? n : 0;
  const remainingWork = new Float64Array(perOp);
  const share = new Float64Array(perOp);
  const sinceNs = new Float64Array(perOp);
  // When each running compute op is due to end. Its end event carries only the op: an event whose
  // time is no longer the op's due time is stale (the op was rescheduled when its share changed).
  const dueNs = new Float64Array(perOp).fill(-1);
  // Each collective part's rank within its collective.
  const rankOf = new Int32Array(n).fill(-1);
  for (const c of graph.collectives) c.partOps.forEach((id, r) => (rankOf[id] = r));

  const computeShare = (gpu: number) => Math.max(1 / sms, 1 - commSms[gpu]! / sms);

  const tryStartStream = (s: number) => {
    if (streamBusy[s]) return;
    const head = streamStart[s]! + streamHead[s]!;
    if (head >= streamStart[s + 1]!) return;
    const id = streamList[head]!;
    if (pendingDeps[id]! > 0) return;
    streamBusy[s] = 1;
    startNs[id] = engine.now;
    if (collectiveOf[id]! < 0) startCompute(id);
    else startPart(id);
  };

  const startCompute = (id: OpId) => {
    // Without SM-holding collectives an op runs at full speed from start to end: one end event, due
    // after its work (an integer), never rescheduled.
    if (!holdsSms) return engine.at(engine.now + graph.workNsOf[id]!, finish, NORMAL, id);
    const gpu = gpuOf[id]!;
    remainingWork[id] = graph.workNsOf[id]!;
    share[id] = computeShare(gpu);
    sinceNs[id] = engine.now;
    running[gpu]!.push(id);
    scheduleComputeEnd(id);
  };

  const onComputeEnd = (id: number) => {
    if (dueNs[id] !== engine.now || endNs[id]! !== -1) return;
    if (holdsSms) {
      const list = running[gpuOf[id]!]!;
      list[list.indexOf(id)] = list[list.length - 1]!;
      list.pop();
    }
    finish(id);
  };

  const scheduleComputeEnd = (id: OpId) => {
    const delay = Math.ceil(remainingWork[id]! / share[id]! - 1e-9);
    const at = engine.now + (delay > 0 ? delay : 0);
    if (at === dueNs[id]) return; // its end event is already due then
    dueNs[id] = at;
    engine.at(at, onComputeEnd, NORMAL, id);
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
    const sms = graph.collectives[collectiveOf[id]!]!.spec.sms;
    if (sms) changeCommSms(gpuOf[id]!, sms);
    network.startPart(collectiveOf[id]!, rankOf[id]!);
  };

  const network = createNetworkBackend(options.networkModel ?? 'fluid', {
    engine,
    cluster: options,
    collectives: graph.collectives.map((c) => ({ name: c.spec.name, gpus: c.gpus, algorithm: c.algorithm })),
    events: {
      partDone(c, rank) {
        const id = graph.collectives[c]!.partOps[rank]!;
        if (endNs[id]! !== -1) throw new SimInvariantError(`[t=${engine.now} ns] ${describe(graph, id)} reported done twice`);
        endNs[id] = -2; // finishing
        const spec = graph.collectives[c]!.spec;
        engine.at(Math.max(engine.now + (spec.tailNs ?? 0), startNs[id]! + (spec.overheadNs ?? 0)), onPartEnd, URGENT, id);
      },
    },
    options: { recomputeFraction: options.recomputeFraction },
  });

  const onPartEnd = (id: number) => {
    const spec = graph.collectives[collectiveOf[id]!]!.spec;
    if (spec.sms) changeCommSms(gpuOf[id]!, -spec.sms);
    finish(id);
  };

  const finish = (id: OpId) => {
    const now = engine.now;
    endNs[id] = now;
    if (++done === nextProgress) {
      nextProgress += progressEvery;
      onProgress!(done, n);
    }
    if (now > lastEndNs) lastEndNs = now;
    if (record) {
      const layer = graph.layerOf[id]!;
      const microBatch = graph.microBatchOf[id]!;
      spans.push({
        op: id,
        gpu: gpuOf[id]!,
        stream: graph.streamLabel(streamOf[id]!),
        kind: graph.kinds[id]!,
        name: graph.names[id]!,
        // One object shape for every span (absent fields are undefined, which JSON leaves out).
        layer: layer >= 0 ? layer : undefined,
        microBatch: microBatch >= 0 ? microBatch : undefined,
        startNs: startNs[id]!,
        endNs: now,
        flops: graph.flopsOf[id]!,
        bytes: collectiveOf[id]! < 0 ? graph.bytesOf[id]! : network.partBytes(collectiveOf[id]!, rankOf[id]!),
      });
    }
    const s = streamOf[id]!;
    streamBusy[s] = 0;
    streamHead[s]!++;
    const end = dependentsStart[id + 1]!;
    for (let j = dependentsStart[id]!; j < end; j++) {
      const d = dependentsList[j]!;
      if (--pendingDeps[d]! === 0) tryStartStream(streamOf[d]!);
    }
    tryStartStream(s);
  };

  for (let s = 0; s < streamCount; s++) tryStartStream(s);
  engine.run();
  const makespanNs = lastEndNs;
  if (done !== n) {
    const cycle = findCycle(graph, dependents);
    const pendingTransfers = (id: OpId) => network.pendingTransfers(collectiveOf[id]!, rankOf[id]!);
    throw cycle ? cycleError(graph, cycle) : stuckError(graph, startNs, endNs, pendingDeps, pendingTransfers);
  }
  return {
    spans,
    makespanNs,
    bytesSent: network.bytesSent,
    bytesReceived: network.bytesReceived,
    linkBytes: network.linkBytes,
    stats: { events: engine.eventsProcessed, ops: n, ...network.stats },
  };
}

function stuckError(graph: OpGraph, startNs: Float64Array, endNs: Float64Array, pendingDeps: Int32Array, pendingTransfers: (id: OpId) => number) {
  const stuck: string[] = [];
  let unfinished = 0;
  for (let id = 0; id < graph.size; id++) {
    if (endNs[id]! >= 0) continue;
    unfinished++;
    if (stuck.length >= 8) continue;
    if (startNs[id]! >= 0) stuck.push(`${describe(graph, id)} started, waiting for ${pendingTransfers(id)} transfers`);
    else if (pendingDeps[id]! > 0) stuck.push(`${describe(graph, id)} waiting for ${pendingDeps[id]} deps`);
  }
  return new SimInvariantError(
    `simulation stalled with ${unfinished} ops unfinished (a flow waits on a part that never starts?): ${stuck.join('; ')}`,
  );
}
