// The fluid model against exact max-min (the flow model at recomputeFraction 0) over 240 seeded
// random exchanges on the H800 preset's links (bench/agreement.ts: 1-4 nodes, flat or oversubscribed, dense, sparse
// and hot matrices, direct and two-hop, 1-3 at once, together or staggered). The bounds are the
// ones docs/network-models.md states, each a little above the worst case this seed gives
// (quoted beside it), so a change that makes the fluid model drift further fails here. Where the
// fluid model is exact (one direct exchange of a dense matrix, started together) the bound is tight.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Agreement } from '../../bench/agreement.ts';
import { agreementRun, worstByCategory } from '../../bench/agreement.ts';

describe('fluid vs exact max-min over 240 random exchanges (seed 7)', () => {
  let results: Agreement[] = [];
  beforeAll(() => {
    results = agreementRun(7, 240);
  }, 300_000);
  const worst = (prefix: string) => {
    const hits = results.filter((r) => r.category.startsWith(prefix));
    expect(hits.length, prefix).toBeGreaterThan(0);
    return { rank: Math.max(...hits.map((r) => r.rankError)), step: Math.max(...hits.map((r) => r.stepError)), cases: hits.length };
  };

  it('covers every form, matrix, tier setting and concurrency', () => {
    const coarse = worstByCategory(results, 4);
    for (const form of ['direct', 'two-hop']) {
      for (const kind of ['dense', 'sparse', 'hot']) {
        for (const tiers of ['flat', 'over']) for (const conc of ['one', 'conc']) expect(coarse.has(`${form}/${kind}/${tiers}/${conc}`), `${form}/${kind}/${tiers}/${conc}`).toBe(true);
      }
    }
  });

  it('moves exactly the same bytes per GPU as the flow model in every case', () => {
    expect(results.filter((r) => !r.bytesAgree).map((r) => r.category)).toEqual([]);
  });

  it('one direct exchange of a dense matrix started together: step within 0.5%, ranks within 5%', () => {
    // Worst here: step 0.1%, rank 3.8%.
    const w = worst('direct/dense/flat/one/together');
    expect(w.step).toBeLessThanOrEqual(0.005);
    expect(w.rank).toBeLessThanOrEqual(0.05);
  });

  it('direct exchanges without oversubscription: step within 15%, ranks within 50%', () => {
    // Worst here: step 11.4% (a hot destination, one exchange, staggered starts), rank 43.9% (hot, concurrent).
    for (const kind of ['dense', 'sparse', 'hot']) {
      const w = worst(`direct/${kind}/flat`);
      expect(w.step, kind).toBeLessThanOrEqual(0.15);
      expect(w.rank, kind).toBeLessThanOrEqual(0.5);
    }
  });

  it('direct exchanges over an oversubscribed tier: step within 25%, ranks within 50%', () => {
    // Worst here: step 21.8% (a hot destination), rank 47.2% (sparse): a shared uplink's bottleneck moves as transfers finish,
    // which one share per collective on each link does not follow.
    const w = worst('direct/');
    const over = results.filter((r) => r.category.startsWith('direct/') && r.category.includes('/over/'));
    expect(Math.max(...over.map((r) => r.stepError))).toBeLessThanOrEqual(0.25);
    expect(Math.max(...over.map((r) => r.rankError))).toBeLessThanOrEqual(0.5);
    expect(w.cases).toBeGreaterThan(100);
  });

  it('two-hop exchanges: step within 20%, ranks within 90%', () => {
    // Worst here: step 17.5% (hot, concurrent), rank 86.3% (dense, oversubscribed, concurrent): the
    // relay hop's pieces each share a port with the other collectives' pieces, one share per
    // collective in proportion to all its transfers on the link, and since the combine direction
    // chains its gather pieces (issue 11) most of those transfers have not started yet, so a
    // combine takes more than its share from a concurrent collective. Before the combine
    // pipelined, the worst rank was 60.1%; before processor sharing ran from each transfer's own
    // start, 89.7%.
    const w = worst('two-hop/');
    expect(w.step).toBeLessThanOrEqual(0.2);
    expect(w.rank).toBeLessThanOrEqual(0.9);
  });
});
