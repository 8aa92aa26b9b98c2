// What the fluid backend's collective runners share: the links (each divided among the aggregates
// on it), the engine, and the deferred "plan" step that projects parts once everything starting at
// an instant has started. See fluid-backend.ts for the model.
import type { Engine } from '../engine/index.ts';
import { LATE, NORMAL } from '../engine/index.ts';
import type { Aggregate } from './aggregate.ts';

/** A collective while it runs, as the core drives it. */
export interface FluidRun {
  /** Bumped by every start on, and rate change of, its aggregates (aggregate.ts ChangeCounter). */
  version: number;
  /** Rank `rank`'s part started now: start the transfers it sends. */
  startPart(rank: number): void;
  /**
   * When every transfer rank `rank` sends or receives will have arrived, projected from now; sets
   * `core.critical` to the aggregate that decides it.
   */
  project(rank: number): number;
  /** Transfers the rank sends or receives that have not started yet. */
  unstarted(rank: number): number;
  /** Bytes the rank sends (its span's bytes). */
  partBytes(rank: number): number;
  /** Deferred work of the current instant (a generic run projects its waited-for transfers). */
  plan?(): void;
}

export class FluidCore {
  readonly engine: Engine;
  readonly capacity: Float64Array;
  /** Aggregate deciding the last projection (set by FluidRun.project). */
  critical: Aggregate | undefined;
  /** Rate divisions so far (reported as the backend's re-solves). */
  rateChanges = 0;
  private readonly onLink: Aggregate[][];
  private readonly linkWeight: Float64Array;
  private readonly ending: (Aggregate | undefined)[] = [];
  private readonly freeEndIds: number[] = [];
  private readonly pendingRuns: FluidRun[] = [];
  private readonly pendingParts: number[] = [];
  private planScheduled = false;

  /** Called by the core to (re-)project part p (backend id) at the end of the instant. */
  checkPart: (p: number) => void = () => {};
  /** Called when aggregate a's rate rose: its watchers must be re-projected now. */
  private readonly woken: Aggregate[] = [];

  constructor(engine: Engine, capacityBytesPerNs: Float64Array) {
    this.engine = engine;
    this.capacity = capacityBytesPerNs;
    this.onLink = Array.from({ length: capacityBytesPerNs.length }, () => []);
    this.linkWeight = new Float64Array(capacityBytesPerNs.length);
  }

  /** After a start on aggregate a: puts it on its link the first time, or schedules its end. */
  aggregateStarted(a: Aggregate): void {
    const now = this.engine.now;
    if (!a.on) {
      a.on = true;
      this.onLink[a.link]!.push(a);
      this.linkWeight[a.link]! += a.weight;
      this.rerate(a.link, now);
    } else if (a.startedCount === a.weight) this.scheduleEnd(a, now);
  }

  /** Part p should be projected at the end of this instant. */
  deferPart(p: number): void {
    this.pendingParts.push(p);
    this.requestPlan();
  }

  /** Run r has deferred work for the end of this instant. */
  deferRun(r: FluidRun): void {
    // A run's parts often start together: it needs planning once per instant, not once per part.
    if (this.pendingRuns[this.pendingRuns.length - 1] !== r) this.pendingRuns.push(r);
    this.requestPlan();
  }

  private requestPlan(): void {
    if (this.planScheduled) return;
    this.planScheduled = true;
    this.engine.after(0, this.plan, LATE);
  }

  private readonly plan = () => {
    this.planScheduled = false;
    for (const a of this.woken.splice(0)) {
      for (const p of a.watchers) this.pendingParts.push(p);
      a.watchers.length = 0;
    }
    for (const r of this.pendingRuns.splice(0)) r.plan?.();
    for (let j = 0; j < this.pendingParts.length; j++) this.checkPart(this.pendingParts[j]!);
    this.pendingParts.length = 0;
  };

  /** Divides link l among its aggregates in proportion to their transfer counts. */
  private rerate(l: number, now: number): void {
    this.rateChanges++;
    const list = this.onLink[l]!;
    const total = this.linkWeight[l]!;
    for (const a of list) {
      const rate = (this.capacity[l]! * a.weight) / total;
      if (rate === a.rate) continue;
      const rose = rate > a.rate;
      a.setRate(now, rate);
      this.scheduleEnd(a, now);
      // A faster aggregate makes the projections it decided too late: redo them now.
      if (rose && a.watchers.length > 0) {
        this.woken.push(a);
        this.requestPlan();
      }
    }
  }

  /** Once every transfer has started, a leaves its link when it has served them all. */
  private scheduleEnd(a: Aggregate, now: number): void {
    if (a.startedCount < a.weight || !a.on) return;
    const left = a.totalBytes - a.servedAt(now);
    const at = left <= 0 ? now : Math.ceil(now + left / a.rate - 1e-9);
    if (a.endAt === at) return; // its end event is already due then
    a.endAt = at;
    const id = this.freeEndIds.pop() ?? this.ending.length;
    this.ending[id] = a;
    this.engine.at(at, this.onAggregateEnd, NORMAL, id);
  }

  private readonly onAggregateEnd = (id: number) => {
    const a = this.ending[id]!;
    this.ending[id] = undefined;
    this.freeEndIds.push(id);
    const now = this.engine.now;
    if (a.endAt !== now || !a.on) return;
    // Less than a ns of work left is done (rates of ~1e15 B/s would otherwise re-schedule this instant forever).
    if (a.totalBytes - a.servedAt(now) > a.rate) return this.scheduleEnd(a, now);
    a.endAt = -1;
    a.on = false;
    a.finish(now);
    const l = a.link;
    const list = this.onLink[l]!;
    list.splice(list.indexOf(a), 1);
    this.linkWeight[l]! -= a.weight;
    if (list.length > 0) this.rerate(l, now);
    else this.linkWeight[l] = 0;
  };
}

export { NORMAL };
