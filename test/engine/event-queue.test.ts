import { describe, expect, it } from 'vitest';
import { Engine } from '../../sim/engine/engine.ts';
import { EventQueue, LATE, NORMAL, URGENT } from '../../sim/engine/event-queue.ts';
import { createRng } from '../../sim/core/rng.ts';

describe('EventQueue', () => {
  it('pops by time, then priority, then insertion order', () => {
    const q = new EventQueue<string>();
    q.push(5, NORMAL, 'b1');
    q.push(5, LATE, 'c');
    q.push(3, LATE, 'first');
    q.push(5, URGENT, 'a');
    q.push(5, NORMAL, 'b2');
    const out: string[] = [];
    while (q.size > 0) out.push(q.pop());
    expect(out).toEqual(['first', 'a', 'b1', 'b2', 'c']);
  });

  it('matches a sort by (time, priority, seq) on 5,000 random events', () => {
    const rng = createRng(7);
    const q = new EventQueue<number>();
    const items = Array.from({ length: 5000 }, (_, seq) => ({ t: rng.int(50), p: rng.int(3), seq }));
    for (const it of items) q.push(it.t, it.p, it.seq);
    const expected = [...items].sort((a, b) => a.t - b.t || a.p - b.p || a.seq - b.seq).map((x) => x.seq);
    const got: number[] = [];
    while (q.size > 0) got.push(q.pop());
    expect(got).toEqual(expected);
  });

  it('matches a sorted reference when pushes and pops interleave (ties, growth past 1,024, a drained heap)', () => {
    const rng = createRng(11);
    const q = new EventQueue<number>();
    // The reference: pending events sorted by (time, priority, seq); pops take the first.
    const pending: { t: number; p: number; seq: number }[] = [];
    let now = 0;
    let seq = 0;
    for (let step = 0; step < 40_000; step++) {
      // Phases of mostly pushes (the heap grows to a few thousand) then mostly pops (it drains).
      const pushing = Math.floor(step / 5000) % 2 === 0 ? rng.next() < 0.8 : rng.next() < 0.2;
      if (pushing || pending.length === 0) {
        const e = { t: now + rng.int(8), p: rng.int(3), seq: seq++ };
        q.push(e.t, e.p, e.seq, e.seq);
        pending.push(e);
      } else {
        pending.sort((a, b) => a.t - b.t || a.p - b.p || a.seq - b.seq);
        const want = pending.shift()!;
        expect(q.peekTime()).toBe(want.t);
        expect(q.pop()).toBe(want.seq);
        expect(q.lastArg).toBe(want.seq);
        now = want.t;
      }
      expect(q.size).toBe(pending.length);
    }
  });
});

describe('Engine', () => {
  it('runs callbacks in time order and advances the clock (log oracle)', () => {
    const engine = new Engine();
    const log: [string, number][] = [];
    engine.at(10, () => log.push(['x', engine.now]));
    engine.at(0, () => {
      log.push(['start', engine.now]);
      engine.after(10, () => log.push(['y', engine.now]), URGENT);
    });
    expect(engine.run()).toBe(10);
    expect(log).toEqual([
      ['start', 0],
      ['y', 10],
      ['x', 10],
    ]);
  });

  it('refuses an event in the past or at a fractional time', () => {
    const engine = new Engine();
    engine.at(5, () => {
      expect(() => engine.at(4, () => {})).toThrow(/not in the past/);
      expect(() => engine.after(0.5, () => {})).toThrow(/integers/);
    });
    engine.run();
  });
});
