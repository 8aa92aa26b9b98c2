// The fuzz suite at a small budget, as part of `npm test` (seeded: the same cases every run).
// `npm run fuzz -- --inputs 2000 --seed S` is the long run with other seeds.
import { describe, expect, it } from 'vitest';
import { runFuzz, totalFailures } from './run-fuzz.ts';

describe('fuzz (small budget)', () => {
  it('ends every mutated scenario, topology, trace, CSV dump, special file and hostile request cleanly', async () => {
    const { stats, failures } = await runFuzz({ inputs: 80, seed: 20_250_101, timeoutMs: 30_000, heapMb: 1024 });
    const report = failures.map((f) => `${f.cls} (${f.outcome}): ${JSON.stringify(f.input)}\n${f.detail}`).join('\n\n');
    expect(report).toBe('');
    expect(totalFailures(stats)).toBe(0);
    // Each class ran, and some cases got through to a simulation or a served answer.
    for (const s of Object.values(stats)) expect(s.inputs).toBeGreaterThan(0);
    expect(stats.scenario.simulated + stats.topology.simulated + stats.trace.simulated).toBeGreaterThan(0);
  }, 240_000);
});
