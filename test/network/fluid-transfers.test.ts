// The generic runner reuses a transfer's drain time while none of its links changed (each sized
// aggregate's revision). Reuse must change nothing: over seeded random two-hop exchanges, one to
// three at once (so rates change under projected transfers), every span ends at exactly the time
// it ends when every drain is computed afresh.
import { afterEach, describe, expect, it } from 'vitest';
import { agreementCase } from '../../bench/agreement.ts';
import { createRng } from '../../sim/core/index.ts';
import { executeOptionsFor } from '../../sim/network/cluster.ts';
import { TransfersRun } from '../../sim/network/fluid-transfers.ts';
import { execute } from '../../sim/ops/execute.ts';

describe('fluid generic runner: reused drain times', () => {
  afterEach(() => {
    TransfersRun.reuseDrains = true;
  });

  it('give exactly the spans computed afresh, over 40 random two-hop exchanges', () => {
    const rng = createRng(13);
    let twoHop = 0;
    let concurrent = 0;
    for (let i = 0; i < 120 && twoHop < 40; i++) {
      const c = agreementCase(rng);
      if (!c.category.startsWith('two-hop/')) continue;
      twoHop++;
      if (c.collectives > 1) concurrent++;
      const run = (reuse: boolean) => {
        TransfersRun.reuseDrains = reuse;
        const t = execute(c.graph, executeOptionsFor(c.topology, { networkModel: 'fluid' }));
        return { makespan: t.makespanNs, ends: t.spans.map((s) => `${s.name}@${s.gpu}:${s.startNs}-${s.endNs}`) };
      };
      const fresh = run(false);
      expect(run(true), c.category).toEqual(fresh);
    }
    expect(twoHop).toBe(40);
    expect(concurrent).toBeGreaterThan(10);
  });
});
