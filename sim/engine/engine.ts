// The discrete-event engine: a clock in integer nanoseconds and one event queue. It knows
// nothing about GPUs or MoE; callers schedule callbacks. Several engines can coexist (no globals).
import { SimInvariantError } from '../core/index.ts';
import { EventQueue, NORMAL, type Priority } from './event-queue.ts';

/** An event handler; `arg` is the number given when it was scheduled (0 by default). */
export type EventCallback = (arg: number) => void;

/**
 * Consecutive events at one instant after which the clock counts as stuck. A collective's start on
 * 1024 GPUs (every flow admitted, re-solved and drained at one time) takes a few million; 50
 * million is far above any legitimate instant and reached in seconds by a loop that spins.
 */
export const MAX_EVENTS_PER_INSTANT = 50_000_000;

export class Engine {
  private queue = new EventQueue<EventCallback>();
  private nowNs = 0;
  private processed = 0;

  /** `maxEventsPerInstant`: the stuck-clock bound (tests lower it). */
  constructor(private readonly maxEventsPerInstant = MAX_EVENTS_PER_INSTANT) {}

  get now(): number {
    return this.nowNs;
  }

  /** Events handled so far (for throughput benchmarks). */
  get eventsProcessed(): number {
    return this.processed;
  }

  /** Schedules `callback` at absolute time `timeNs` (an integer, not before now). */
  at(timeNs: number, callback: EventCallback, priority: Priority = NORMAL, arg = 0): void {
    if (!Number.isInteger(timeNs) || timeNs < this.nowNs) {
      throw new SimInvariantError(`[t=${this.nowNs} ns] event scheduled at ${timeNs} ns: times must be integers not in the past`);
    }
    this.queue.push(timeNs, priority, callback, arg);
  }

  /** Schedules `callback` after `delayNs` (a non-negative integer). */
  after(delayNs: number, callback: EventCallback, priority: Priority = NORMAL, arg = 0): void {
    this.at(this.nowNs + delayNs, callback, priority, arg);
  }

  /** Runs events until the queue is empty (or `untilNs` is passed); returns the final time. */
  run(untilNs = Infinity): number {
    const queue = this.queue;
    const limit = this.maxEventsPerInstant;
    let atThisInstant = 0;
    while (queue.size > 0) {
      const t = queue.peekTime();
      if (t > untilNs) break;
      if (t !== this.nowNs) atThisInstant = 0;
      this.nowNs = t;
      const callback = queue.pop();
      this.processed++;
      if (++atThisInstant > limit) {
        throw new SimInvariantError(
          `[t=${t} ns] the clock stopped advancing: ${atThisInstant - 1} events in a row at this instant (the last one '${callback.name || 'anonymous'}'); ` +
            'an event loop is spinning on a step that does not move time forward',
        );
      }
      callback(queue.lastArg);
    }
    return this.nowNs;
  }
}
