// Flow-level network: transfers share links max-min fairly, with rates recomputed when flows
// start or end. A transfer of `bytes` occupies its links until drained and arrives `latencyNs`
// later, so a lone flow takes latency + bytes / bandwidth.
//
// Cost: a rate solve is O(F·k·log L) for F active flows of k links. With `recomputeFraction` = 0
// every start and drain triggers a solve (exact max-min; O(F^2) for a collective of F flows).
// With f > 0, solves wait until a share f of the active flows has started or drained since the
// last one: a drained flow's bandwidth stays unused until then, and a new flow runs at the
// capacity its links have left. Rates stay feasible (no link is ever over capacity); the cost of
// a collective falls to about O(F/f · k log L). bench/network.ts measures the error against exact.
import type { Engine } from '../engine/engine.ts';
import { LATE, NORMAL } from '../engine/event-queue.ts';
import { SimInvariantError } from '../errors.ts';
import { FairShareSolver, type FlowPaths } from './max-min.ts';

export interface NetworkOptions {
  /** Share of active flows that may start or drain before rates are re-solved (0 = exact). */
  recomputeFraction?: number;
}

/** Called with the token given to startFlow. */
export interface FlowEvents {
  /** The last byte has left: the links are free again. */
  drained(token: number): void;
  /** The last byte has arrived (drain + latency). */
  arrived(token: number): void;
}

const MAX_LINKS_PER_FLOW = 16;

export class Network {
  readonly capacity: Float64Array;
  /** Bytes carried per link so far. */
  readonly linkBytes: Float64Array;
  private readonly engine: Engine;
  private readonly events: FlowEvents;
  private readonly fraction: number;
  private readonly solver: FairShareSolver;
  /** Sum of the rates of the flows on each link. */
  private readonly used: Float64Array;

  // Flow slots, reused after a flow drains.
  private slots = 0;
  private paths: FlowPaths = { stride: MAX_LINKS_PER_FLOW, links: new Int32Array(0), linkCount: new Uint8Array(0) };
  private posInLink: Int32Array = new Int32Array(0);
  private remaining: Float64Array = new Float64Array(0);
  private sinceNs: Float64Array = new Float64Array(0);
  private rate: Float64Array = new Float64Array(0);
  private drainNs: Float64Array = new Float64Array(0);
  private seq: Float64Array = new Float64Array(0);
  private bytes: Float64Array = new Float64Array(0);
  private latency: Float64Array = new Float64Array(0);
  private token: Float64Array = new Float64Array(0);
  private frozen: Uint8Array = new Uint8Array(0);
  private activePos: Int32Array = new Int32Array(0);
  private freeSlots: number[] = [];
  private active: number[] = [];
  private nextSeq = 0;

  private flowsOnLink: number[][];
  private activeLinks: number[] = [];
  private activeLinkPos: Int32Array;

  // Flows in order of drain time (valid between solves: rates do not change in between).
  private heap: Int32Array = new Int32Array(0);
  private heapSize = 0;

  private solvePending = false;
  private changes = 0;
  private changeBudget = 0;
  private tickVersion = 0;
  private solves = 0;
  private flowsStarted = 0;

  constructor(engine: Engine, capacityBytesPerNs: Float64Array, events: FlowEvents, options: NetworkOptions = {}) {
    this.engine = engine;
    this.events = events;
    this.capacity = capacityBytesPerNs;
    this.linkBytes = new Float64Array(capacityBytesPerNs.length);
    this.used = new Float64Array(capacityBytesPerNs.length);
    this.fraction = options.recomputeFraction ?? 0;
    this.solver = new FairShareSolver(capacityBytesPerNs.length);
    this.flowsOnLink = Array.from({ length: capacityBytesPerNs.length }, () => []);
    this.activeLinkPos = new Int32Array(capacityBytesPerNs.length).fill(-1);
    for (let l = 0; l < capacityBytesPerNs.length; l++) {
      if (!(capacityBytesPerNs[l]! > 0)) throw new SimInvariantError(`link ${l} has capacity ${capacityBytesPerNs[l]}; must be > 0`);
    }
    this.grow(256);
  }

  get stats() {
    return { rateSolves: this.solves, flowsStarted: this.flowsStarted };
  }

  /** Starts a transfer now over `links` (empty = local copy: only the latency is paid). */
  startFlow(links: readonly number[], bytes: number, latencyNs: number, token: number): void {
    if (!(bytes >= 0) || !Number.isFinite(bytes)) throw new SimInvariantError(`[t=${this.engine.now} ns] flow of ${bytes} bytes`);
    if (links.length > MAX_LINKS_PER_FLOW) throw new SimInvariantError(`a route of ${links.length} links; at most ${MAX_LINKS_PER_FLOW}`);
    this.flowsStarted++;
    if (links.length === 0 || bytes === 0) {
      this.events.drained(token);
      this.engine.after(Math.ceil(latencyNs), this.onArrive, NORMAL, token);
      return;
    }
    const f = this.allocate();
    const base = f * MAX_LINKS_PER_FLOW;
    this.paths.linkCount[f] = links.length;
    for (let i = 0; i < links.length; i++) {
      const l = links[i]!;
      this.paths.links[base + i] = l;
      const list = this.flowsOnLink[l]!;
      if (list.length === 0) {
        this.activeLinkPos[l] = this.activeLinks.length;
        this.activeLinks.push(l);
      }
      this.posInLink[base + i] = list.length;
      list.push(f);
    }
    const now = this.engine.now;
    this.remaining[f] = bytes;
    this.bytes[f] = bytes;
    this.sinceNs[f] = now;
    this.rate[f] = 0;
    this.latency[f] = latencyNs;
    this.token[f] = token;
    this.seq[f] = this.nextSeq++;
    this.activePos[f] = this.active.length;
    this.active.push(f);
    if (this.fraction === 0 || this.solvePending) {
      this.requestSolve();
      return;
    }
    // Until the next solve, take an equal share of each link, slowing the flows already there.
    let rate = Infinity;
    for (let i = 0; i < links.length; i++) rate = Math.min(rate, this.capacity[links[i]!]! / this.flowsOnLink[links[i]!]!.length);
    for (let i = 0; i < links.length; i++) {
      const l = links[i]!;
      if (this.used[l]! + rate > this.capacity[l]!) this.scaleLink(l, (this.capacity[l]! - rate) / this.used[l]!, f);
    }
    this.setRate(f, rate);
    this.pushDrain(f);
    this.countChange();
  }

  /**
   * Multiplies the rates of the flows on link l (except `skip`) by factor < 1. Their drain times
   * in the heap become too early; drainDue() re-files a popped flow that still has bytes left.
   */
  private scaleLink(l: number, factor: number, skip: number): void {
    const now = this.engine.now;
    const list = this.flowsOnLink[l]!;
    for (let j = 0; j < list.length; j++) {
      const g = list[j]!;
      if (g === skip || this.rate[g] === 0) continue;
      this.advance(g, now);
      const rate = this.rate[g]! * factor;
      const base = g * MAX_LINKS_PER_FLOW;
      const count = this.paths.linkCount[g]!;
      for (let i = 0; i < count; i++) this.used[this.paths.links[base + i]!]! += rate - this.rate[g]!;
      this.rate[g] = rate;
    }
  }

  private advance(f: number, now: number): void {
    const left = this.remaining[f]! - this.rate[f]! * (now - this.sinceNs[f]!);
    this.remaining[f] = left > 0 ? left : 0;
    this.sinceNs[f] = now;
  }

  private readonly onArrive = (token: number) => this.events.arrived(token);

  private readonly onTick = (version: number) => {
    if (version === this.tickVersion) this.drainDue();
  };

  private setRate(f: number, rate: number): void {
    const base = f * MAX_LINKS_PER_FLOW;
    const count = this.paths.linkCount[f]!;
    const delta = rate - this.rate[f]!;
    for (let i = 0; i < count; i++) this.used[this.paths.links[base + i]!]! += delta;
    this.rate[f] = rate;
    const d = Math.ceil(this.remaining[f]! / rate - 1e-9);
    this.drainNs[f] = this.sinceNs[f]! + (d > 0 ? d : 0);
  }

  private countChange(): void {
    if (++this.changes >= this.changeBudget) this.requestSolve();
    else this.scheduleTick();
  }

  private requestSolve(): void {
    this.tickVersion++; // the pending drain tick, if any, is stale now
    if (this.solvePending) return;
    this.solvePending = true;
    this.engine.after(0, this.solve, LATE);
  }

  private readonly solve = () => {
    this.solvePending = false;
    this.solves++;
    const now = this.engine.now;
    const active = this.active;
    const count = active.length;
    const remaining = this.remaining;
    const rate = this.rate;
    const since = this.sinceNs;
    for (let i = 0; i < count; i++) {
      const f = active[i]!;
      const left = remaining[f]! - rate[f]! * (now - since[f]!);
      remaining[f] = left > 0 ? left : 0;
      since[f] = now;
    }
    this.solver.solve(this.capacity, this.flowsOnLink, this.activeLinks, this.paths, rate, this.frozen);
    const drainNs = this.drainNs;
    const heap = this.heap;
    for (let i = 0; i < count; i++) {
      const f = active[i]!;
      const d = Math.ceil(remaining[f]! / rate[f]! - 1e-9);
      drainNs[f] = now + (d > 0 ? d : 0);
      heap[i] = f;
    }
    this.heapSize = count;
    for (let i = (count >> 1) - 1; i >= 0; i--) this.siftDown(i);
    const solverRemaining = this.solver.remaining;
    for (let i = 0; i < this.activeLinks.length; i++) {
      const l = this.activeLinks[i]!;
      this.used[l] = this.capacity[l]! - solverRemaining[l]!;
    }
    this.changes = 0;
    this.changeBudget = Math.max(1, Math.floor(this.fraction * count));
    this.scheduleTick();
  };

  private scheduleTick(): void {
    if (this.heapSize === 0 || this.solvePending) return;
    this.engine.at(this.drainNs[this.heap[0]!]!, this.onTick, NORMAL, ++this.tickVersion);
  }

  private drainDue(): void {
    const now = this.engine.now;
    while (this.heapSize > 0 && this.drainNs[this.heap[0]!]! <= now) {
      const f = this.heap[0]!;
      this.popDrain();
      this.advance(f, now);
      if (this.remaining[f]! > this.rate[f]! * 0.5) {
        // Slowed down since it was filed: file it again at its true drain time.
        this.setRate(f, this.rate[f]!);
        this.pushDrain(f);
        continue;
      }
      this.finish(f, now);
      if (++this.changes >= this.changeBudget) this.requestSolve();
    }
    this.scheduleTick();
  }

  private finish(f: number, now: number): void {
    const base = f * MAX_LINKS_PER_FLOW;
    const count = this.paths.linkCount[f]!;
    const bytes = this.bytes[f]!;
    const rate = this.rate[f]!;
    for (let i = 0; i < count; i++) {
      const l = this.paths.links[base + i]!;
      this.linkBytes[l] += bytes;
      this.used[l] -= rate;
      this.removeFromLink(f, l, this.posInLink[base + i]!);
    }
    const pos = this.activePos[f]!;
    const last = this.active.pop()!;
    if (last !== f) {
      this.active[pos] = last;
      this.activePos[last] = pos;
    }
    this.activePos[f] = -1;
    this.rate[f] = 0;
    this.freeSlots.push(f);
    const token = this.token[f]!;
    this.events.drained(token);
    this.engine.at(now + Math.ceil(this.latency[f]!), this.onArrive, NORMAL, token);
  }

  private removeFromLink(f: number, l: number, pos: number): void {
    const list = this.flowsOnLink[l]!;
    const last = list.pop()!;
    if (last !== f) {
      list[pos] = last;
      const base = last * MAX_LINKS_PER_FLOW;
      const count = this.paths.linkCount[last]!;
      for (let i = 0; i < count; i++) {
        if (this.paths.links[base + i] === l) {
          this.posInLink[base + i] = pos;
          break;
        }
      }
    }
    if (list.length === 0) {
      const p = this.activeLinkPos[l]!;
      const lastLink = this.activeLinks.pop()!;
      if (lastLink !== l) {
        this.activeLinks[p] = lastLink;
        this.activeLinkPos[lastLink] = p;
      }
      this.activeLinkPos[l] = -1;
    }
  }

  // --- drain-order heap of flow slots, keyed by (drainNs, seq) ---

  private before(a: number, b: number): boolean {
    const da = this.drainNs[a]!;
    const db = this.drainNs[b]!;
    return da < db || (da === db && this.seq[a]! < this.seq[b]!);
  }

  private pushDrain(f: number): void {
    const heap = this.heap;
    let i = this.heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(f, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = f;
  }

  private popDrain(): void {
    this.heap[0] = this.heap[--this.heapSize]!;
    if (this.heapSize > 0) this.siftDown(0);
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const drainNs = this.drainNs;
    const seq = this.seq;
    const n = this.heapSize;
    const f = heap[i]!;
    const fd = drainNs[f]!;
    const fs = seq[f]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let child = heap[c]!;
      if (c + 1 < n) {
        const right = heap[c + 1]!;
        const rd = drainNs[right]!;
        const cd = drainNs[child]!;
        if (rd < cd || (rd === cd && seq[right]! < seq[child]!)) {
          c++;
          child = right;
        }
      }
      const cd = drainNs[child]!;
      if (cd > fd || (cd === fd && seq[child]! > fs)) break;
      heap[i] = child;
      i = c;
    }
    heap[i] = f;
  }

  // --- slot storage ---

  private allocate(): number {
    const free = this.freeSlots.pop();
    if (free !== undefined) return free;
    if (this.slots === this.remaining.length) this.grow(this.slots * 2);
    return this.slots++;
  }

  private grow(size: number): void {
    const f64 = (a: Float64Array) => copyInto(new Float64Array(size), a);
    this.remaining = f64(this.remaining);
    this.sinceNs = f64(this.sinceNs);
    this.rate = f64(this.rate);
    this.drainNs = f64(this.drainNs);
    this.seq = f64(this.seq);
    this.bytes = f64(this.bytes);
    this.latency = f64(this.latency);
    this.token = f64(this.token);
    this.frozen = copyInto(new Uint8Array(size), this.frozen);
    this.activePos = copyInto(new Int32Array(size), this.activePos);
    this.heap = copyInto(new Int32Array(size), this.heap);
    this.posInLink = copyInto(new Int32Array(size * MAX_LINKS_PER_FLOW), this.posInLink);
    this.paths = {
      stride: MAX_LINKS_PER_FLOW,
      links: copyInto(new Int32Array(size * MAX_LINKS_PER_FLOW), this.paths.links),
      linkCount: copyInto(new Uint8Array(size), this.paths.linkCount),
    };
  }
}

function copyInto<A extends Float64Array | Int32Array | Uint8Array>(target: A, source: A): A {
  target.set(source);
  return target;
}
