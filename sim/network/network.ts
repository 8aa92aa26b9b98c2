// Flow-level network: transfers share links max-min fairly, with rates recomputed when flows
// start or end. A transfer of `bytes` occupies its links until drained and arrives `latencyNs`
// later, so a lone flow takes latency + bytes / bandwidth.
//
// Flows on the same route always get the same max-min rate, so they are kept as one *bundle*
// served processor-sharing style: every member runs at the bundle's per-member rate, and a member
// drains when the bytes served per member since the bundle formed reach its join point + size.
// A two-hop all-to-all's NVLink forwards (same relay, same destination, many source nodes) then
// cost one entry in the rate solve instead of one per source.
//
// Cost: a rate solve is O(B·k·log L) for B active bundles of k links. With `recomputeFraction` = 0
// every start and drain triggers a solve (exact max-min). With f > 0, solves wait until a share f
// of the active flows has drained since the last one (or, when the network was idle, started);
// meanwhile a drained flow's bandwidth stays unused, and the flows that start in one instant take
// an equal share of each link they cross, slowing the bundles already there (admit()). Rates stay feasible (no link is ever over capacity). bench/network.ts measures
// the error against exact.
import type { Engine } from '../engine/index.ts';
import { LATE, NORMAL } from '../engine/index.ts';
import { SimInvariantError } from '../core/index.ts';
import { FairShareSolver, type FlowPaths } from './max-min.ts';

export interface NetworkOptions {
  /** Share of active flows that may start or drain before rates are re-solved (0 = exact). */
  recomputeFraction?: number;
  /** Flows the caller expects at most at once (sizes the tables up front; they grow past it). */
  expectedFlows?: number;
  /** Route ids the caller passes to startFlow are below this: bundles are then found by array index, not a Map. */
  routeIds?: number;
}

/** Called with the token given to startFlow. */
export interface FlowEvents {
  /** The last byte has left: the links are free again. */
  drained(token: number): void;
  /** The last byte has arrived (drain + latency). */
  arrived(token: number): void;
}

const MAX_LINKS = 16;

export class Network {
  readonly capacity: Float64Array;
  /** Bytes carried per link so far. */
  readonly linkBytes: Float64Array;
  private readonly engine: Engine;
  private readonly events: FlowEvents;
  private readonly fraction: number;
  private readonly solver: FairShareSolver;
  /** Sum over bundles on the link of members x per-member rate. */
  private readonly used: Float64Array;
  /** Members of all bundles on the link. */
  private readonly linkWeight: Int32Array;
  private readonly bundlesOnLink: number[][];
  private readonly activeLinks: number[] = [];
  private readonly activeLinkPos: Int32Array;

  // Bundles (one per active route), in reusable slots.
  private slots = 0;
  private readonly freeBundles: number[] = [];
  /** Open bundle by route id (when ids are bounded), else by key in bundleOf. */
  private readonly bundleByRoute: Int32Array;
  private readonly bundleOf = new Map<string | number, number>();
  private key: (string | number)[] = [];
  private paths: FlowPaths = { stride: MAX_LINKS, links: new Int32Array(0), linkCount: new Uint8Array(0) };
  private posInLink: Int32Array = new Int32Array(0);
  private weight: Int32Array = new Int32Array(0);
  private rate: Float64Array = new Float64Array(0);
  /** Bytes served per member since the bundle formed, as of sinceNs. */
  private served: Float64Array = new Float64Array(0);
  /** finishAt of the bundle's first member to drain (Infinity when it has none). */
  private nextFinish: Float64Array = new Float64Array(0);
  private sinceNs: Float64Array = new Float64Array(0);
  private drainNs: Float64Array = new Float64Array(0);
  private frozen: Uint8Array = new Uint8Array(0);
  private members: number[][] = [];
  /**
   * The bundle's only member while it has one (-1 otherwise); most bundles never have more (a
   * direct all-to-all has one flow per GPU pair), so their member heap is never touched.
   */
  private solo: Int32Array = new Int32Array(0);
  private readonly active: number[] = [];
  private activePos: Int32Array = new Int32Array(0);

  // Members (flows), in reusable slots.
  private memberSlots = 0;
  private readonly freeMembers: number[] = [];
  private finishAt: Float64Array = new Float64Array(0);
  private memberSeq: Float64Array = new Float64Array(0);
  private memberBytes: Float64Array = new Float64Array(0);
  private memberLatency: Float64Array = new Float64Array(0);
  private memberToken: Float64Array = new Float64Array(0);
  private nextSeq = 0;
  private activeFlows = 0;
  /** Flows active at the last solve (with the flows active now, it sizes the change budget). */
  private activeAtSolve = 0;

  // Bundles by next drain time: an indexed min-heap.
  private heap: Int32Array = new Int32Array(0);
  private heapPos: Int32Array = new Int32Array(0);
  private heapSize = 0;

  private solvePending = false;
  private changes = 0;
  private tickVersion = 0;
  // Flows started this instant, re-rated together by admit().
  private admits: number[] = [];
  private admitScheduled = false;
  private admitting: Uint8Array = new Uint8Array(0);
  private target: Float64Array = new Float64Array(0);
  private readonly linkMark: Int32Array;
  private linkStamp = 0;
  private readonly demand: Float64Array;
  private readonly otherUse: Float64Array;
  /** Time of the drain tick already scheduled (Infinity: none). */
  private tickAt = Infinity;
  private solves = 0;
  private flowsStarted = 0;

  constructor(engine: Engine, capacityBytesPerNs: Float64Array, events: FlowEvents, options: NetworkOptions = {}) {
    this.engine = engine;
    this.events = events;
    this.capacity = capacityBytesPerNs;
    const links = capacityBytesPerNs.length;
    this.linkBytes = new Float64Array(links);
    this.used = new Float64Array(links);
    this.linkWeight = new Int32Array(links);
    this.fraction = options.recomputeFraction ?? 0;
    this.solver = new FairShareSolver(links);
    this.bundlesOnLink = Array.from({ length: links }, () => []);
    this.activeLinkPos = new Int32Array(links).fill(-1);
    this.linkMark = new Int32Array(links);
    this.demand = new Float64Array(links);
    this.otherUse = new Float64Array(links);
    for (let l = 0; l < links; l++) {
      if (!(capacityBytesPerNs[l]! > 0)) throw new SimInvariantError(`link ${l} has capacity ${capacityBytesPerNs[l]}; must be > 0`);
    }
    this.bundleByRoute = new Int32Array(Math.min(options.routeIds ?? 0, 1 << 24)).fill(-1);
    const expected = Math.max(64, Math.min(options.expectedFlows ?? 0, 1 << 20));
    this.growBundles(expected);
    this.growMembers(expected);
  }

  get stats() {
    return { rateSolves: this.solves, flowsStarted: this.flowsStarted };
  }

  /** Bytes/ns link l carries now: the sum over its flows of their rates (for invariant checks). */
  linkLoad(l: number): number {
    return this.used[l]!;
  }

  /**
   * Starts a transfer now over `links` (empty = local copy: only the latency is paid). `routeId`
   * names the route when the caller has one (a number per route, e.g. src * gpus + dst; flows with
   * the same id must have the same links): it saves building a key from the links per flow.
   */
  startFlow(links: readonly number[], bytes: number, latencyNs: number, token: number, routeId?: number): void {
    const now = this.engine.now;
    if (!(bytes >= 0) || !Number.isFinite(bytes)) throw new SimInvariantError(`[t=${now} ns] flow of ${bytes} bytes`);
    if (links.length > MAX_LINKS) throw new SimInvariantError(`a route of ${links.length} links; at most ${MAX_LINKS}`);
    this.flowsStarted++;
    if (links.length === 0 || bytes === 0) {
      this.events.drained(token);
      this.engine.after(Math.ceil(latencyNs), this.onArrive, NORMAL, token);
      return;
    }
    const key = routeId ?? links.join(',');
    let b = typeof key === 'number' && key < this.bundleByRoute.length ? this.bundleByRoute[key]! : (this.bundleOf.get(key) ?? -1);
    if (b < 0) b = this.openBundle(key, links, now);
    else this.advance(b, now);
    const m = this.allocateMember();
    this.finishAt[m] = this.served[b]! + bytes;
    this.memberSeq[m] = this.nextSeq++;
    this.memberBytes[m] = bytes;
    this.memberLatency[m] = latencyNs;
    this.memberToken[m] = token;
    this.pushMember(b, m);
    this.weight[b]!++;
    for (let i = 0, base = b * MAX_LINKS; i < links.length; i++) this.linkWeight[this.paths.links[base + i]!]!++;
    this.activeFlows++;

    // Starts count towards the re-solve budget only when the network was idle at the last solve
    // (a collective's first burst); later starts are admitted with equal shares.
    if (this.fraction === 0 || this.solvePending || (this.activeAtSolve === 0 && this.overBudget())) {
      this.requestSolve();
      return;
    }
    // The newcomer runs at the bundle's rate until admit() re-rates this instant's arrivals together.
    for (const l of links) this.used[l]! += this.rate[b]!;
    if (!this.admitting[b]) {
      this.admitting[b] = 1;
      this.admits.push(b);
    }
    if (!this.admitScheduled) {
      this.admitScheduled = true;
      this.engine.after(0, this.admit, LATE);
    }
  }

  /**
   * Between solves, the flows that started this instant take an equal share of each link they
   * cross (capacity / flows on it); where that overflows a link, the other bundles there slow
   * down proportionally. One pass per instant, so a collective's burst of starts costs O(links).
   */
  private readonly admit = () => {
    this.admitScheduled = false;
    const batch = this.admits;
    this.admits = [];
    for (const b of batch) this.admitting[b] = 0;
    if (this.solvePending) return;
    for (const b of batch) this.admitting[b] = 1;
    const stamp = ++this.linkStamp;
    const touched: number[] = [];
    for (const b of batch) {
      let rate = Infinity;
      const base = b * MAX_LINKS;
      const count = this.paths.linkCount[b]!;
      for (let i = 0; i < count; i++) {
        const l = this.paths.links[base + i]!;
        rate = Math.min(rate, this.capacity[l]! / this.linkWeight[l]!);
        if (this.linkMark[l] !== stamp) {
          this.linkMark[l] = stamp;
          this.demand[l] = 0;
          this.otherUse[l] = this.used[l]!;
          touched.push(l);
        }
      }
      this.target[b] = rate;
      for (let i = 0; i < count; i++) {
        const l = this.paths.links[base + i]!;
        this.demand[l]! += this.weight[b]! * rate;
        this.otherUse[l]! -= this.weight[b]! * this.rate[b]!;
      }
    }
    for (const l of touched) {
      const other = this.otherUse[l]!;
      if (other > 1e-12 && other + this.demand[l]! > this.capacity[l]!) this.scaleLink(l, Math.max(0, (this.capacity[l]! - this.demand[l]!) / other));
    }
    for (const b of batch) {
      this.admitting[b] = 0;
      if (this.weight[b]! > 0) this.setRate(b, this.target[b]!, this.weight[b]!, this.rate[b]!);
    }
    this.scheduleTick();
  };

  private readonly onArrive = (token: number) => this.events.arrived(token);

  private readonly onTick = (version: number) => {
    if (version !== this.tickVersion) return;
    this.tickAt = Infinity;
    this.drainDue();
  };

  private openBundle(key: string | number, links: readonly number[], now: number): number {
    const b = this.freeBundles.pop() ?? this.newBundleSlot();
    if (typeof key === 'number' && key < this.bundleByRoute.length) this.bundleByRoute[key] = b;
    else this.bundleOf.set(key, b);
    this.key[b] = key;
    const base = b * MAX_LINKS;
    this.paths.linkCount[b] = links.length;
    for (let i = 0; i < links.length; i++) {
      const l = links[i]!;
      this.paths.links[base + i] = l;
      const list = this.bundlesOnLink[l]!;
      if (list.length === 0) {
        this.activeLinkPos[l] = this.activeLinks.length;
        this.activeLinks.push(l);
      }
      this.posInLink[base + i] = list.length;
      list.push(b);
    }
    this.weight[b] = 0;
    this.rate[b] = 0;
    this.served[b] = 0;
    this.sinceNs[b] = now;
    this.drainNs[b] = Infinity;
    // members[b] is empty here: a bundle closes only when its last member drains, and the array is reused.
    this.activePos[b] = this.active.length;
    this.active.push(b);
    this.heapInsert(b);
    return b;
  }

  private closeBundle(b: number): void {
    const base = b * MAX_LINKS;
    const count = this.paths.linkCount[b]!;
    for (let i = 0; i < count; i++) this.removeFromLink(b, this.paths.links[base + i]!, this.posInLink[base + i]!);
    const pos = this.activePos[b]!;
    const last = this.active.pop()!;
    if (last !== b) {
      this.active[pos] = last;
      this.activePos[last] = pos;
    }
    this.heapRemove(b);
    const key = this.key[b]!;
    if (typeof key === 'number' && key < this.bundleByRoute.length) this.bundleByRoute[key] = -1;
    else this.bundleOf.delete(key);
    this.freeBundles.push(b);
  }

  /** Brings the bundle's served bytes up to `now` at its current rate. */
  private advance(b: number, now: number): void {
    this.served[b]! += this.rate[b]! * (now - this.sinceNs[b]!);
    this.sinceNs[b] = now;
  }

  /** Sets the per-member rate (members and rate before the change given for the link loads). */
  private setRate(b: number, rate: number, oldWeight: number, oldRate: number): void {
    const delta = this.weight[b]! * rate - oldWeight * oldRate;
    for (let i = 0, base = b * MAX_LINKS, n = this.paths.linkCount[b]!; i < n; i++) this.used[this.paths.links[base + i]!]! += delta;
    this.rate[b] = rate;
    this.updateDrain(b);
  }

  /** Recomputes when the bundle's first member drains and re-files it in the heap. */
  private updateDrain(b: number): void {
    if (this.weight[b] === 0 || !(this.rate[b]! > 0)) this.drainNs[b] = Infinity;
    else {
      const d = Math.ceil((this.nextFinish[b]! - this.served[b]!) / this.rate[b]! - 1e-9);
      this.drainNs[b] = this.sinceNs[b]! + (d > 0 ? d : 0);
    }
    this.heapFix(b);
  }

  /** Multiplies the rates of the bundles on link l (except those being admitted) by factor < 1. */
  private scaleLink(l: number, factor: number): void {
    const now = this.engine.now;
    const list = this.bundlesOnLink[l]!;
    for (let j = 0; j < list.length; j++) {
      const g = list[j]!;
      if (this.admitting[g] || this.rate[g] === 0) continue;
      this.advance(g, now);
      this.setRate(g, this.rate[g]! * factor, this.weight[g]!, this.rate[g]!);
    }
  }

  /**
   * Counts one start or drain; true once they amount to `fraction` of the flows active now or at
   * the last solve, whichever is more, so both a collective's ramp-up and its tail re-solve
   * geometrically (about ln(F) / fraction solves for F flows).
   */
  private overBudget(): boolean {
    return ++this.changes >= Math.max(1, this.fraction * Math.max(this.activeFlows, this.activeAtSolve));
  }

  private requestSolve(): void {
    this.tickVersion++; // the pending drain tick, if any, is stale now
    this.tickAt = Infinity;
    if (this.solvePending) return;
    this.solvePending = true;
    this.engine.after(0, this.solve, LATE);
  }

  private readonly solve = () => {
    this.solvePending = false;
    for (const b of this.admits) this.admitting[b] = 0;
    this.admits = [];
    this.solves++;
    const now = this.engine.now;
    const active = this.active;
    const count = active.length;
    const { served, rate, sinceNs, drainNs, nextFinish, heap, heapPos } = this;
    for (let i = 0; i < count; i++) {
      const b = active[i]!;
      served[b]! += rate[b]! * (now - sinceNs[b]!);
      sinceNs[b] = now;
    }
    this.solver.solve(this.capacity, this.bundlesOnLink, this.activeLinks, this.paths, rate, this.frozen, this.weight);
    const solverRemaining = this.solver.remaining;
    for (let i = 0; i < this.activeLinks.length; i++) {
      const l = this.activeLinks[i]!;
      this.used[l] = this.capacity[l]! - solverRemaining[l]!;
    }
    for (let i = 0; i < count; i++) {
      const b = active[i]!;
      const d = Math.ceil((nextFinish[b]! - served[b]!) / rate[b]! - 1e-9);
      drainNs[b] = now + (d > 0 ? d : 0);
      heap[i] = b;
      heapPos[b] = i;
    }
    this.heapSize = count;
    for (let i = (count >> 1) - 1; i >= 0; i--) this.siftDown(i);
    this.changes = 0;
    this.activeAtSolve = this.activeFlows;
    this.scheduleTick();
  };

  /** Makes sure a tick fires by the earliest drain; a tick that fires early finds nothing due and reschedules. */
  private scheduleTick(): void {
    if (this.heapSize === 0 || this.solvePending) return;
    const t = this.drainNs[this.heap[0]!]!;
    if (t >= this.tickAt) return;
    this.tickAt = t;
    this.engine.at(t, this.onTick, NORMAL, ++this.tickVersion);
  }

  private drainDue(): void {
    const now = this.engine.now;
    while (this.heapSize > 0 && this.drainNs[this.heap[0]!]! <= now) {
      const b = this.heap[0]!;
      this.advance(b, now);
      // Every member whose bytes are served (within half a ns of work) drains now.
      const slack = this.rate[b]! * 0.5;
      while (this.weight[b]! > 0 && this.nextFinish[b]! <= this.served[b]! + slack) {
        this.finishMember(b, this.popMember(b), now);
        if (this.overBudget()) this.requestSolve();
      }
      if (this.weight[b] === 0) this.closeBundle(b);
      else this.updateDrain(b);
    }
    this.scheduleTick();
  }

  private finishMember(b: number, m: number, now: number): void {
    const base = b * MAX_LINKS;
    const count = this.paths.linkCount[b]!;
    const bytes = this.memberBytes[m]!;
    const rate = this.rate[b]!;
    for (let i = 0; i < count; i++) {
      const l = this.paths.links[base + i]!;
      this.linkBytes[l] += bytes;
      this.used[l] -= rate;
      this.linkWeight[l]!--;
    }
    this.weight[b]!--;
    this.activeFlows--;
    const token = this.memberToken[m]!;
    this.freeMembers.push(m);
    this.events.drained(token);
    this.engine.at(now + Math.ceil(this.memberLatency[m]!), this.onArrive, NORMAL, token);
  }

  private removeFromLink(b: number, l: number, pos: number): void {
    const list = this.bundlesOnLink[l]!;
    const last = list.pop()!;
    if (last !== b) {
      list[pos] = last;
      const base = last * MAX_LINKS;
      for (let i = 0, n = this.paths.linkCount[last]!; i < n; i++) {
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

  // --- a bundle's members: a min-heap by (finishAt, seq) ---

  private memberBefore(a: number, b: number): boolean {
    const fa = this.finishAt[a]!;
    const fb = this.finishAt[b]!;
    return fa < fb || (fa === fb && this.memberSeq[a]! < this.memberSeq[b]!);
  }

  private pushMember(b: number, m: number): void {
    const h = this.members[b]!;
    const only = this.solo[b]!;
    if (only < 0 && h.length === 0) {
      this.solo[b] = m;
      this.nextFinish[b] = this.finishAt[m]!;
      return;
    }
    if (only >= 0) {
      h.push(only);
      this.solo[b] = -1;
    }
    let i = h.length;
    h.push(m);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.memberBefore(m, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = m;
    this.nextFinish[b] = this.finishAt[h[0]!]!;
  }

  private popMember(b: number): number {
    const only = this.solo[b]!;
    if (only >= 0) {
      this.solo[b] = -1;
      this.nextFinish[b] = Infinity;
      return only;
    }
    const h = this.members[b]!;
    const top = h[0]!;
    const last = h.pop()!;
    const n = h.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && this.memberBefore(h[c + 1]!, h[c]!)) c++;
        if (!this.memberBefore(h[c]!, last)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    this.nextFinish[b] = n > 0 ? this.finishAt[h[0]!]! : Infinity;
    return top;
  }

  // --- bundles by drain time: indexed min-heap ordered by (drainNs, slot) ---

  private bundleBefore(a: number, b: number): boolean {
    const da = this.drainNs[a]!;
    const db = this.drainNs[b]!;
    return da < db || (da === db && a < b);
  }

  private heapInsert(b: number): void {
    this.heap[this.heapSize] = b;
    this.heapPos[b] = this.heapSize++;
    this.siftUp(this.heapPos[b]!);
  }

  private heapRemove(b: number): void {
    const i = this.heapPos[b]!;
    const last = this.heap[--this.heapSize]!;
    if (i < this.heapSize) {
      this.heap[i] = last;
      this.heapPos[last] = i;
      this.heapFixAt(i);
    }
    this.heapPos[b] = -1;
  }

  private heapFix(b: number): void {
    const i = this.heapPos[b]!;
    if (i >= 0) this.heapFixAt(i);
  }

  private heapFixAt(i: number): void {
    if (i > 0 && this.bundleBefore(this.heap[i]!, this.heap[(i - 1) >> 1]!)) this.siftUp(i);
    else this.siftDown(i);
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const b = heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.bundleBefore(b, heap[p]!)) break;
      heap[i] = heap[p]!;
      this.heapPos[heap[i]!] = i;
      i = p;
    }
    heap[i] = b;
    this.heapPos[b] = i;
  }

  private siftDown(i: number): void {
    const { heap, heapPos, drainNs } = this;
    const n = this.heapSize;
    const b = heap[i]!;
    const bd = drainNs[b]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let child = heap[c]!;
      if (c + 1 < n) {
        const right = heap[c + 1]!;
        const rd = drainNs[right]!;
        const cd = drainNs[child]!;
        if (rd < cd || (rd === cd && right < child)) {
          c++;
          child = right;
        }
      }
      const cd = drainNs[child]!;
      if (cd > bd || (cd === bd && child > b)) break;
      heap[i] = child;
      heapPos[child] = i;
      i = c;
    }
    heap[i] = b;
    heapPos[b] = i;
  }

  // --- slot storage ---

  private newBundleSlot(): number {
    if (this.slots === this.weight.length) this.growBundles(this.slots * 2);
    this.members.push([]);
    this.key.push(0);
    return this.slots++;
  }

  private allocateMember(): number {
    const free = this.freeMembers.pop();
    if (free !== undefined) return free;
    if (this.memberSlots === this.finishAt.length) this.growMembers(this.memberSlots * 2);
    return this.memberSlots++;
  }

  private growBundles(size: number): void {
    this.posInLink = grow(this.posInLink, size * MAX_LINKS);
    this.weight = grow(this.weight, size);
    this.rate = grow(this.rate, size);
    this.served = grow(this.served, size);
    this.nextFinish = grow(this.nextFinish, size);
    this.sinceNs = grow(this.sinceNs, size);
    this.drainNs = grow(this.drainNs, size);
    this.frozen = grow(this.frozen, size);
    const solo = new Int32Array(size).fill(-1);
    solo.set(this.solo);
    this.solo = solo;
    this.admitting = grow(this.admitting, size);
    this.target = grow(this.target, size);
    this.activePos = grow(this.activePos, size);
    this.heap = grow(this.heap, size);
    this.heapPos = grow(this.heapPos, size);
    this.paths = { stride: MAX_LINKS, links: grow(this.paths.links, size * MAX_LINKS), linkCount: grow(this.paths.linkCount, size) };
  }

  private growMembers(size: number): void {
    this.finishAt = grow(this.finishAt, size);
    this.memberSeq = grow(this.memberSeq, size);
    this.memberBytes = grow(this.memberBytes, size);
    this.memberLatency = grow(this.memberLatency, size);
    this.memberToken = grow(this.memberToken, size);
  }
}

function grow<A extends Float64Array | Int32Array | Uint8Array>(a: A, size: number): A {
  const b = new (a.constructor as new (n: number) => A)(size);
  b.set(a);
  return b;
}
