// The engine's stuck-clock guard: a loop of events that never moves time forward is an invariant
// error naming the time and the count, not a hang; an instant with many events that then moves on is fine.
import { describe, expect, it } from 'vitest';
import { SimInvariantError } from '../../sim/core/errors.ts';
import { Engine, MAX_EVENTS_PER_INSTANT } from '../../sim/engine/engine.ts';

describe('Engine stuck-clock guard', () => {
  it('raises SimInvariantError when events keep rescheduling at the same instant', () => {
    const engine = new Engine(1000);
    engine.at(7, () => {});
    const spin = () => engine.after(0, spin);
    engine.at(42, spin);
    expect(() => engine.run()).toThrow(SimInvariantError);
    expect(() => new Engine(5).run()).not.toThrow();
    const again = new Engine(1000);
    const loop = () => again.after(0, loop);
    again.at(42, loop);
    expect(() => again.run()).toThrow("[t=42 ns] the clock stopped advancing: 1000 events in a row at this instant (the last one 'loop')");
  });

  it('allows up to the bound at one instant, then time moving on resets the count', () => {
    const engine = new Engine(1000);
    let fired = 0;
    for (let t = 0; t < 3; t++) for (let i = 0; i < 1000; i++) engine.at(t * 10, () => fired++);
    expect(engine.run()).toBe(20);
    expect(fired).toBe(3000);
  });

  it('defaults to tens of millions, far above a 1024-GPU collective start', () => {
    expect(MAX_EVENTS_PER_INSTANT).toBe(50_000_000);
  });
});
