// A binary min-heap of events ordered by (time, priority, insertion sequence).
// The ordering key is built here and nowhere else, so equal-time events always pop in a
// deterministic order: lower priority value first, then first-scheduled first.

export type Priority = number;
/** Runs before NORMAL events at the same instant (e.g. a stream freeing itself). */
export const URGENT: Priority = 0;
export const NORMAL: Priority = 1;
/** Runs after every other event at the same instant (e.g. batched rate recomputation). */
export const LATE: Priority = 2;

// Priority and sequence are packed into one float64: exact while seq < 2^48.
const SEQ_SPAN = 2 ** 48;

/** Parallel typed arrays instead of objects keep a million-event heap fast and free of garbage. */
export class EventQueue<T> {
  private times = new Float64Array(1024);
  private keys = new Float64Array(1024);
  private args = new Float64Array(1024);
  private items: (T | undefined)[] = [];
  private count = 0;
  private seq = 0;
  /** The numeric argument of the event last returned by pop(). */
  lastArg = 0;

  get size(): number {
    return this.count;
  }

  /** `arg` travels with the item, so callers can reuse one callback for many events. */
  push(timeNs: number, priority: Priority, item: T, arg = 0): void {
    if (this.count === this.times.length) this.grow();
    const key = priority * SEQ_SPAN + this.seq++;
    const times = this.times;
    const keys = this.keys;
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent]!;
      if (pt < timeNs || (pt === timeNs && keys[parent]! < key)) break;
      this.move(parent, i);
      i = parent;
    }
    this.set(i, timeNs, key, item, arg);
  }

  /** Time of the next event, or Infinity when empty. */
  peekTime(): number {
    return this.count > 0 ? this.times[0]! : Infinity;
  }

  /** Removes the next event; the caller reads its time with peekTime() first. */
  pop(): T {
    if (this.count === 0) throw new Error('EventQueue.pop() on an empty queue');
    const top = this.items[0]!;
    this.lastArg = this.args[0]!;
    const last = --this.count;
    const time = this.times[last]!;
    const key = this.keys[last]!;
    const item = this.items[last];
    const arg = this.args[last]!;
    this.items[last] = undefined;
    if (last > 0) this.siftDown(time, key, item, arg);
    return top;
  }

  private siftDown(time: number, key: number, item: T | undefined, arg: number): void {
    const n = this.count;
    const times = this.times;
    const keys = this.keys;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && (times[right]! < times[child]! || (times[right] === times[child] && keys[right]! < keys[child]!))) child = right;
      const ct = times[child]!;
      if (ct > time || (ct === time && keys[child]! > key)) break;
      this.move(child, i);
      i = child;
    }
    this.set(i, time, key, item, arg);
  }

  private move(from: number, to: number): void {
    this.times[to] = this.times[from]!;
    this.keys[to] = this.keys[from]!;
    this.args[to] = this.args[from]!;
    this.items[to] = this.items[from];
  }

  private set(i: number, time: number, key: number, item: T | undefined, arg: number): void {
    this.times[i] = time;
    this.keys[i] = key;
    this.args[i] = arg;
    this.items[i] = item;
  }

  private grow(): void {
    const size = this.times.length * 2;
    for (const name of ['times', 'keys', 'args'] as const) {
      const bigger = new Float64Array(size);
      bigger.set(this[name]);
      this[name] = bigger;
    }
  }
}
