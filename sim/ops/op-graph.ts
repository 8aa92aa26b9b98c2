// The op graph a schedule builds: compute ops bound to a GPU stream, and collectives whose
// per-GPU parts run on a communication stream. A collective is one op of the graph: its
// participants, its algorithm and its bytes (sim/network/collective-op.ts); a network backend
// turns it into transfers when it runs. Streams are in-order queues (CUDA semantics): ops run in
// the order they were added to their stream.
// Ops are stored column-wise in typed arrays so graphs of millions of ops stay small and fast.
import { SimInvariantError } from '../core/index.ts';
import type { CollectiveAlgorithm, FlowSpec } from '../network/index.ts';

export type { FlowSpec };

export type OpId = number;

export interface OpMeta {
  /** Hierarchical, stable name, e.g. "L3.mb0.moe.dispatch". */
  name: string;
  /** Op kind from the caller's vocabulary (attention, dispatch, ...); the engine does not interpret it. */
  kind: string;
  layer?: number;
  microBatch?: number;
}

export interface ComputeSpec extends OpMeta {
  gpu: number;
  stream: string;
  /** Duration with all SMs available, integer ns. */
  workNs: number;
  flops?: number;
  bytes?: number;
  deps?: readonly OpId[];
}

export interface CollectiveSpec extends OpMeta {
  stream: string;
  /** One part per participating GPU (rank r = parts[r]); a part starts when its deps are done and its stream is free. */
  parts: { gpu: number; deps?: readonly OpId[] }[];
  /** How the bytes move; `flows` is short for `{ kind: 'explicit', flows }`. */
  algorithm?: CollectiveAlgorithm;
  flows?: readonly FlowSpec[];
  /** SMs each running part takes from its GPU's compute. */
  sms?: number;
  /** Fixed cost of each part's kernel (launch, notify, sync), integer ns: the part lasts at least this long. */
  overheadNs?: number;
  /**
   * Fixed time each part adds after its last transfer has arrived, integer ns (a low-latency
   * kernel's launch, completion signal and poll, which no transfer carries).
   */
  tailNs?: number;
}

/** A readable view of one op (built on demand; the graph itself stores columns). */
export interface Op extends OpMeta {
  id: OpId;
  gpu: number;
  stream: string;
  deps: OpId[];
  workNs: number;
  flops: number;
  bytes: number;
  /** Index into `collectives` for a collective part, -1 for compute. */
  collective: number;
}

export interface Collective {
  spec: CollectiveSpec;
  algorithm: CollectiveAlgorithm;
  gpus: number[];
  partOps: OpId[];
}

const NONE = -1;

export class OpGraph {
  readonly collectives: Collective[] = [];
  /** Stream names ("gpu3/comm") and, per stream, its ops in program order. */
  readonly streamNames: string[] = [];
  readonly streamOps: OpId[][] = [];

  private n = 0;
  private cap = 1024;
  gpuOf = new Int32Array(this.cap);
  streamOf = new Int32Array(this.cap);
  workNsOf = new Float64Array(this.cap);
  flopsOf = new Float64Array(this.cap);
  bytesOf = new Float64Array(this.cap);
  collectiveOf = new Int32Array(this.cap);
  layerOf = new Int32Array(this.cap);
  microBatchOf = new Int32Array(this.cap);
  depsStart = new Int32Array(this.cap + 1);
  depsList = new Int32Array(this.cap);
  readonly names: string[] = [];
  readonly kinds: string[] = [];
  private streamByGpu = new Map<number, Map<string, number>>();
  private streamLocal: string[] = [];

  get size(): number {
    return this.n;
  }

  compute(spec: ComputeSpec): OpId {
    if (!Number.isInteger(spec.workNs) || spec.workNs < 0) {
      throw new SimInvariantError(`op '${spec.name}': workNs must be a non-negative integer, got ${spec.workNs}`);
    }
    const id = this.add(spec, spec.gpu, spec.stream, spec.deps, NONE);
    this.workNsOf[id] = spec.workNs;
    this.flopsOf[id] = spec.flops ?? 0;
    this.bytesOf[id] = spec.bytes ?? 0;
    return id;
  }

  /** Adds a collective; returns its part op ids in the order of `spec.parts`. */
  collective(spec: CollectiveSpec): OpId[] {
    const index = this.collectives.length;
    const algorithm = spec.algorithm ?? (spec.flows ? ({ kind: 'explicit', flows: spec.flows } as const) : undefined);
    if (!algorithm) throw new SimInvariantError(`collective '${spec.name}' has neither an algorithm nor flows`);
    const gpus = spec.parts.map((p) => p.gpu);
    const seen = new Set<number>();
    for (const g of gpus) {
      if (seen.has(g)) throw new SimInvariantError(`collective '${spec.name}' has two parts on gpu ${g}`);
      seen.add(g);
    }
    if (algorithm.kind === 'explicit') checkFlows(spec.name, algorithm.flows, seen);
    const partOps = spec.parts.map((part) => this.add(spec, part.gpu, spec.stream, part.deps, index));
    this.collectives.push({ spec, algorithm, gpus, partOps });
    return partOps;
  }

  depsOf(id: OpId): Int32Array {
    return this.depsList.subarray(this.depsStart[id]!, this.depsStart[id + 1]!);
  }

  op(id: OpId): Op {
    const layer = this.layerOf[id]!;
    const microBatch = this.microBatchOf[id]!;
    return {
      id,
      name: this.names[id]!,
      kind: this.kinds[id]!,
      ...(layer === NONE ? {} : { layer }),
      ...(microBatch === NONE ? {} : { microBatch }),
      gpu: this.gpuOf[id]!,
      stream: this.streamLocal[this.streamOf[id]!]!,
      deps: [...this.depsOf(id)],
      workNs: this.workNsOf[id]!,
      flops: this.flopsOf[id]!,
      bytes: this.bytesOf[id]!,
      collective: this.collectiveOf[id]!,
    };
  }

  /** Readable views of every op (for tests and reports, not hot paths). */
  get ops(): Op[] {
    return Array.from({ length: this.n }, (_, i) => this.op(i));
  }

  /** The stream's name without the GPU, e.g. "comm". */
  streamLabel(stream: number): string {
    return this.streamLocal[stream]!;
  }

  private add(meta: OpMeta, gpu: number, stream: string, deps: readonly OpId[] | undefined, collective: number): OpId {
    const id = this.n;
    if (id === this.cap) this.grow();
    const depCount = deps?.length ?? 0;
    const depsAt = this.depsStart[id]!;
    if (depsAt + depCount > this.depsList.length) this.depsList = resize(this.depsList, Math.max(2 * this.depsList.length, depsAt + depCount));
    for (let i = 0; i < depCount; i++) this.depsList[depsAt + i] = deps![i]!;
    this.depsStart[id + 1] = depsAt + depCount;
    this.gpuOf[id] = gpu;
    this.streamOf[id] = this.streamIndex(gpu, stream);
    this.streamOps[this.streamOf[id]!]!.push(id);
    this.collectiveOf[id] = collective;
    this.layerOf[id] = meta.layer ?? NONE;
    this.microBatchOf[id] = meta.microBatch ?? NONE;
    this.names.push(meta.name);
    this.kinds.push(meta.kind);
    this.n++;
    return id;
  }

  private streamIndex(gpu: number, stream: string): number {
    let ofGpu = this.streamByGpu.get(gpu);
    if (!ofGpu) this.streamByGpu.set(gpu, (ofGpu = new Map()));
    let s = ofGpu.get(stream);
    if (s === undefined) {
      s = this.streamNames.length;
      ofGpu.set(stream, s);
      this.streamNames.push(`gpu${gpu}/${stream}`);
      this.streamLocal.push(stream);
      this.streamOps.push([]);
    }
    return s;
  }

  private grow(): void {
    this.cap *= 2;
    this.gpuOf = resize(this.gpuOf, this.cap);
    this.streamOf = resize(this.streamOf, this.cap);
    this.workNsOf = resize(this.workNsOf, this.cap);
    this.flopsOf = resize(this.flopsOf, this.cap);
    this.bytesOf = resize(this.bytesOf, this.cap);
    this.collectiveOf = resize(this.collectiveOf, this.cap);
    this.layerOf = resize(this.layerOf, this.cap);
    this.microBatchOf = resize(this.microBatchOf, this.cap);
    this.depsStart = resize(this.depsStart, this.cap + 1);
  }
}

/** Explicit flows must run between participants and wait only for flows of the same collective. */
function checkFlows(name: string, flows: readonly FlowSpec[], participants: Set<number>): void {
  flows.forEach((flow, i) => {
    if (!participants.has(flow.src) || !participants.has(flow.dst)) {
      throw new SimInvariantError(`collective '${name}' flow ${i} (${flow.src}->${flow.dst}) involves a GPU with no part`);
    }
    const after = flow.after === undefined ? [] : typeof flow.after === 'number' ? [flow.after] : flow.after;
    for (const a of after) {
      if (!(Number.isInteger(a) && a >= 0 && a < flows.length && a !== i)) throw new SimInvariantError(`collective '${name}' flow ${i} waits for missing flow ${a}`);
    }
  });
}

function resize<A extends Int32Array | Float64Array>(a: A, size: number): A {
  const b = new (a.constructor as new (n: number) => A)(size);
  b.set(a.subarray(0, Math.min(a.length, size)));
  return b;
}
