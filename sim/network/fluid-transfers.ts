// The fluid backend's generic runner: any collective algorithm, expanded into transfers
// (algorithms.ts) whose bytes join one aggregate per link (SizedAggregate). Used for everything
// but direct all-to-alls of token counts (fluid-direct.ts). Transfers that others wait for (a
// two-hop relay's RDMA piece, a ring phase) get an event at their projected drain, re-checked when
// it fires; their followers start on the drain or on the arrival, as the algorithm says.
import { SimInvariantError } from '../core/index.ts';
import { NORMAL } from '../engine/index.ts';
import type { Topology } from '../hardware/index.ts';
import { SizedAggregate, type Aggregate } from './aggregate.ts';
import { expandCollective, type FlowSink } from './algorithms.ts';
import type { ClusterNetwork } from './cluster.ts';
import { routesOverNic, type CollectiveAlgorithm } from './collective-op.ts';
import type { DirectSinks } from './fluid-direct.ts';
import type { FluidCore, FluidRun } from './fluid-core.ts';

const MAX_LINKS = 8;

/** One collective's transfers as its algorithm expands them (flat, growable). */
class Transfers implements FlowSink {
  count = 0;
  src = new Int32Array(64);
  dst = new Int32Array(64);
  bytes = new Float64Array(64);
  latencySteps = new Float64Array(64);
  /** Conditions left before it may start: its sender's part has started, plus each transfer it waits for. */
  waiting = new Int32Array(64);
  afterDrain = new Uint8Array(64);
  private afterFlat: number[] = [];
  private afterStart: number[] = [0];

  add(src: number, dst: number, bytes: number, after?: number | readonly number[], afterDrain?: boolean, latencySteps?: number): number {
    const i = this.count++;
    if (i === this.src.length) this.grow();
    this.src[i] = src;
    this.dst[i] = dst;
    this.bytes[i] = bytes;
    this.latencySteps[i] = latencySteps ?? 1;
    this.afterDrain[i] = afterDrain ? 1 : 0;
    if (after !== undefined) {
      if (typeof after === 'number') this.afterFlat.push(after);
      else for (const a of after) this.afterFlat.push(a);
    }
    this.afterStart.push(this.afterFlat.length);
    this.waiting[i] = 1 + (this.afterStart[i + 1]! - this.afterStart[i]!);
    return i;
  }

  /** CSR of the transfers that wait for transfer t: followers[followStart[t] .. followStart[t + 1]). */
  followers(): { followStart: Int32Array; followers: Int32Array } {
    const n = this.count;
    const followStart = new Int32Array(n + 1);
    for (const a of this.afterFlat) followStart[a + 1]!++;
    for (let i = 0; i < n; i++) followStart[i + 1]! += followStart[i]!;
    const followers = new Int32Array(this.afterFlat.length);
    const fill = followStart.slice(0, n);
    for (let t = 0; t < n; t++) for (let j = this.afterStart[t]!; j < this.afterStart[t + 1]!; j++) followers[fill[this.afterFlat[j]!]!++] = t;
    return { followStart, followers };
  }

  private grow(): void {
    const size = 2 * this.src.length;
    this.src = grow(this.src, size);
    this.dst = grow(this.dst, size);
    this.bytes = grow(this.bytes, size);
    this.latencySteps = grow(this.latencySteps, size);
    this.waiting = grow(this.waiting, size);
    this.afterDrain = grow(this.afterDrain, size);
  }
}

export class TransfersRun implements FluidRun {
  /** Whether drain times are reused while a transfer's links are unchanged (tests turn it off to show reuse changes nothing). */
  static reuseDrains = true;
  version = 0;
  private readonly t = new Transfers();
  private readonly followStart: Int32Array;
  private readonly followers: Int32Array;
  private readonly startNs: Float64Array;
  private readonly latencyNs: Float64Array;
  /** Per transfer and route link (stride MAX_LINKS): the aggregate, and the transfer's slot in it. */
  private readonly linkCount: Uint8Array;
  private readonly agg: Int32Array;
  private readonly slot: Int32Array;
  private readonly aggregates: SizedAggregate[] = [];
  private readonly srcRank: Int32Array;
  private readonly dstRank: Int32Array;
  /** CSR by rank: every transfer it sends or receives (a self-transfer once), and those it sends. */
  private readonly involvedStart: Int32Array;
  private readonly involved: Int32Array;
  private readonly sentStart: Int32Array;
  private readonly sent: Int32Array;
  private readonly pending: Int32Array;
  private readonly sentBytes: Float64Array;
  /** Waited-for transfers: pending drain check time (-1 none), drained; those to project at the instant's end. */
  private readonly leaderAt: Float64Array;
  private readonly drained: Uint8Array;
  private readonly leadersToProject: number[] = [];
  /**
   * Per transfer: its last drain time, the aggregate that decided it (-1: none) and the sum of its
   * links' revisions then. Revisions only grow, so an equal sum means none of its links changed
   * and the drain time is still exact: a transfer is projected for its sender's part, its
   * receiver's and (a relay piece) its followers', often at one instant.
   */
  private readonly drainAt: Float64Array;
  private readonly drainCritical: Int32Array;
  private readonly drainRevisions: Float64Array;

  constructor(
    private readonly core: FluidCore,
    topology: Topology,
    private readonly cluster: ClusterNetwork,
    gpus: readonly number[],
    algorithm: CollectiveAlgorithm,
    private readonly sinks: DirectSinks,
    name: string,
  ) {
    const t = this.t;
    expandCollective(algorithm, topology, gpus, t);
    const n = t.count;
    const ranks = gpus.length;
    const rankOf = new Map<number, number>();
    gpus.forEach((g, r) => rankOf.set(g, r));
    this.srcRank = new Int32Array(n);
    this.dstRank = new Int32Array(n);
    const involvedCount = new Int32Array(ranks + 1);
    const sentCount = new Int32Array(ranks + 1);
    this.sentBytes = new Float64Array(ranks);
    this.linkCount = new Uint8Array(n);
    this.agg = new Int32Array(n * MAX_LINKS);
    this.latencyNs = new Float64Array(n);
    this.startNs = new Float64Array(n);
    const aggOfLink = new Map<number, number>();
    const overNic = routesOverNic(algorithm);
    for (let i = 0; i < n; i++) {
      const s = rankOf.get(t.src[i]!);
      const d = rankOf.get(t.dst[i]!);
      if (s === undefined || d === undefined) throw new SimInvariantError(`collective '${name}' transfer ${i} (${t.src[i]}->${t.dst[i]}) involves a GPU with no part`);
      this.srcRank[i] = s;
      this.dstRank[i] = d;
      involvedCount[s + 1]!++;
      if (d !== s) involvedCount[d + 1]!++;
      sentCount[s + 1]!++;
      const bytes = t.bytes[i]!;
      this.sentBytes[s]! += bytes;
      const route = cluster.route(t.src[i]!, t.dst[i]!, overNic);
      this.latencyNs[i] = route.latencyNs * t.latencySteps[i]!;
      if (bytes <= 0) continue;
      if (route.links.length > MAX_LINKS) throw new SimInvariantError(`a route of ${route.links.length} links; at most ${MAX_LINKS}`);
      this.linkCount[i] = route.links.length;
      for (let k = 0; k < route.links.length; k++) {
        const l = route.links[k]!;
        let a = aggOfLink.get(l);
        if (a === undefined) {
          a = this.aggregates.length;
          aggOfLink.set(l, a);
          this.aggregates.push(new SizedAggregate(l, this));
        }
        this.aggregates[a]!.add(bytes);
        this.agg[i * MAX_LINKS + k] = a;
      }
    }
    for (const a of this.aggregates) a.seal();
    this.slot = new Int32Array(n * MAX_LINKS);
    for (let i = 0; i < n; i++) {
      for (let k = i * MAX_LINKS, end = k + this.linkCount[i]!; k < end; k++) this.slot[k] = this.aggregates[this.agg[k]!]!.claim();
    }
    for (let r = 0; r < ranks; r++) {
      involvedCount[r + 1]! += involvedCount[r]!;
      sentCount[r + 1]! += sentCount[r]!;
    }
    this.involvedStart = involvedCount;
    this.sentStart = sentCount;
    this.involved = new Int32Array(involvedCount[ranks]!);
    this.sent = new Int32Array(n);
    const inFill = involvedCount.slice(0, ranks);
    const sentFill = sentCount.slice(0, ranks);
    for (let i = 0; i < n; i++) {
      this.involved[inFill[this.srcRank[i]!]!++] = i;
      if (this.dstRank[i] !== this.srcRank[i]) this.involved[inFill[this.dstRank[i]!]!++] = i;
      this.sent[sentFill[this.srcRank[i]!]!++] = i;
    }
    this.pending = new Int32Array(ranks);
    for (let r = 0; r < ranks; r++) this.pending[r] = involvedCount[r + 1]! - involvedCount[r]!;
    const { followStart, followers } = t.followers();
    this.followStart = followStart;
    this.followers = followers;
    const leaders = followStart[n]! > 0 ? n : 0;
    this.leaderAt = new Float64Array(leaders).fill(-1);
    this.drained = new Uint8Array(leaders);
    this.drainAt = new Float64Array(n);
    this.drainCritical = new Int32Array(n);
    this.drainRevisions = new Float64Array(n).fill(-1);
  }

  unstarted(rank: number): number {
    return this.pending[rank]!;
  }

  partBytes(rank: number): number {
    return this.sentBytes[rank]!;
  }

  startPart(rank: number): void {
    for (let j = this.sentStart[rank]!; j < this.sentStart[rank + 1]!; j++) {
      const i = this.sent[j]!;
      if (--this.t.waiting[i]! === 0) this.startTransfer(i);
    }
  }

  private startTransfer(i: number): void {
    const core = this.core;
    const now = core.engine.now;
    const t = this.t;
    this.startNs[i] = now;
    this.drainRevisions[i] = -1; // a zero-byte transfer has no link to change: its drain is its start
    this.sinks.counted(1);
    const bytes = t.bytes[i]!;
    this.sinks.bytesSent[t.src[i]!]! += bytes;
    this.sinks.bytesReceived[t.dst[i]!]! += bytes;
    for (let k = i * MAX_LINKS, end = k + this.linkCount[i]!; k < end; k++) {
      const a = this.aggregates[this.agg[k]!]!;
      this.sinks.linkBytes[a.link]! += bytes;
      a.start(now, bytes, this.slot[k]!);
      core.aggregateStarted(a);
    }
    if (this.followStart[i + 1]! > this.followStart[i]!) {
      this.leadersToProject.push(i);
      core.deferRun(this);
    }
    const s = this.srcRank[i]!;
    const d = this.dstRank[i]!;
    if (--this.pending[s]! === 0) this.sinks.ready(s);
    if (d !== s && --this.pending[d]! === 0) this.sinks.ready(d);
  }

  plan(): void {
    for (const i of this.leadersToProject.splice(0)) this.projectLeader(i);
  }

  /** When transfer i drains: per link, when its aggregate has served it out, never before start + bytes at the full link rate. */
  private drainOf(i: number): number {
    const aggregates = this.aggregates;
    const first = i * MAX_LINKS;
    const end = first + this.linkCount[i]!;
    let revisions = 0;
    for (let k = first; k < end; k++) revisions += aggregates[this.agg[k]!]!.revision;
    if (revisions === this.drainRevisions[i] && TransfersRun.reuseDrains) {
      const c = this.drainCritical[i]!;
      this.core.critical = c >= 0 ? aggregates[c] : undefined;
      return this.drainAt[i]!;
    }
    const start = this.startNs[i]!;
    const bytes = this.t.bytes[i]!;
    const capacity = this.cluster.linkCapacityBytesPerNs;
    let drain = start;
    let critical = -1;
    for (let k = first; k < end; k++) {
      const a = aggregates[this.agg[k]!]!;
      let at = a.timeToServe(a.leaveAt(this.slot[k]!));
      const floor = start + bytes / capacity[a.link]!;
      if (at < floor) at = floor;
      if (at > drain) {
        drain = at;
        critical = this.agg[k]!;
      }
    }
    this.drainAt[i] = drain;
    this.drainCritical[i] = critical;
    this.drainRevisions[i] = revisions;
    this.core.critical = critical >= 0 ? aggregates[critical] : undefined;
    return drain;
  }

  project(rank: number): number {
    let done = -Infinity;
    let critical: Aggregate | undefined;
    for (let j = this.involvedStart[rank]!; j < this.involvedStart[rank + 1]!; j++) {
      const i = this.involved[j]!;
      const arrival = this.drainOf(i) + this.latencyNs[i]!;
      if (arrival > done) {
        done = arrival;
        critical = this.core.critical;
      }
    }
    this.core.critical = critical;
    return done;
  }

  private projectLeader(i: number): void {
    const engine = this.core.engine;
    const at = Math.max(engine.now, Math.ceil(this.drainOf(i) - 1e-9));
    this.leaderAt[i] = at;
    engine.at(at, this.onLeader, NORMAL, i);
  }

  private readonly onLeader = (i: number) => {
    const engine = this.core.engine;
    const now = engine.now;
    if (this.leaderAt[i] !== now || this.drained[i]) return;
    const drain = this.drainOf(i);
    if (drain > now + 1e-6) return this.projectLeader(i);
    this.leaderAt[i] = -1;
    this.drained[i] = 1;
    this.releaseFollowers(i, 1);
    engine.at(Math.max(now, Math.ceil(drain + this.latencyNs[i]! - 1e-9)), this.onArrival, NORMAL, i);
  };

  private readonly onArrival = (i: number) => this.releaseFollowers(i, 0);

  private releaseFollowers(i: number, onDrain: number): void {
    for (let j = this.followStart[i]!; j < this.followStart[i + 1]!; j++) {
      const f = this.followers[j]!;
      if (this.t.afterDrain[f] === onDrain && --this.t.waiting[f]! === 0) this.startTransfer(f);
    }
  }
}

function grow<A extends Float64Array | Int32Array | Uint8Array>(a: A, size: number): A {
  const b = new (a.constructor as new (n: number) => A)(size);
  b.set(a);
  return b;
}
