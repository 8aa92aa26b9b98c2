// The discrete-event engine: a clock in integer nanoseconds and one event queue. It knows
// nothing about GPUs or MoE; callers schedule callbacks. Several engines can coexist (no globals).
import { SimInvariantError } from '../core/index.ts';
import { EventQueue, NORMAL, type Priority } from './event-queue.ts';

/** An event handler; `arg` is the number given when it was scheduled (0 by default). */
export type EventCallback = (arg: number) => void;

export class Engine {
  private queue = new EventQueue<EventCallback>();
  private nowNs = 0;
  private processed = 0;

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
    while (queue.size > 0) {
      const t = queue.peekTime();
      if (t > untilNs) break;
      this.nowNs = t;
      const callback = queue.pop();
      this.processed++;
      callback(queue.lastArg);
    }
    return this.nowNs;
  }
}
