// timeline.json's span order (GPU, stream by name, start, op) from the linear path equals the
// comparison sort's, over random span lists in finishing order and in no order at all.
import { describe, expect, it } from 'vitest';
import { createRng } from '../../sim/core/rng.ts';
import type { Span } from '../../sim/ops/timeline.ts';
import { inTimelineOrder, linearOrder } from '../../sim/output/timeline-file.ts';
import { resolveScenarioText } from '../../sim/scenario/index.ts';
import { simulateStep } from '../../sim/step/index.ts';
import { tinyDecodeScenario } from '../helpers/tiny-scenario.ts';

const STREAMS = ['compute', 'comm', 'tp', 'dp', 'Äpfel'];

/** Spans of `gpus` GPUs, each stream's ops back to back (zero-length ones included), listed in finishing order. */
function finishingOrder(seed: string, gpus: number, perStream: number): Span[] {
  const rng = createRng(seed);
  const spans: Span[] = [];
  let op = 0;
  for (let g = 0; g < gpus; g++) {
    for (const stream of STREAMS.slice(0, 1 + rng.int(STREAMS.length))) {
      let t = rng.int(100);
      for (let i = 0; i < perStream; i++) {
        const dur = rng.next() < 0.2 ? 0 : 1 + rng.int(50);
        spans.push({ op: op++, gpu: g, stream, kind: 'x', name: `op${i}`, startNs: t, endNs: t + dur, flops: 0, bytes: 0 });
        t += dur + (rng.next() < 0.5 ? 0 : rng.int(20));
      }
    }
  }
  return spans.sort((a, b) => a.endNs - b.endNs || a.op - b.op);
}

const reference = (spans: Span[]) => {
  const rank = new Map([...new Set(spans.map((s) => s.stream))].sort((a, b) => a.localeCompare(b)).map((s, i) => [s, i]));
  return [...spans].sort((a, b) => a.gpu - b.gpu || rank.get(a.stream)! - rank.get(b.stream)! || a.startNs - b.startNs || a.op - b.op);
};

describe('inTimelineOrder', () => {
  for (const seed of ['a', 'b', 'c', 'd', 'e', 'f']) {
    it(`seed ${seed}: spans in finishing order, and shuffled, come out as the comparison sort has them`, () => {
      const spans = finishingOrder(seed, 1 + createRng(seed).int(12), 40);
      // Finishing order takes the linear path, and it agrees with the comparison sort.
      expect(linearOrder(spans)).toEqual(reference(spans));
      expect(inTimelineOrder(spans)).toEqual(reference(spans));
      const rng = createRng(`${seed}:shuffle`);
      const shuffled = [...spans];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      // Shuffled, the linear path declines and the comparison sort decides.
      expect(linearOrder(shuffled)).toBeUndefined();
      expect(inTimelineOrder(shuffled)).toEqual(reference(shuffled));
    });
  }

  it("takes the linear path on an executor's own timeline", async () => {
    const scenario = await resolveScenarioText(tinyDecodeScenario('topology: h800-2node', '  ep: 16'), 'small.yaml');
    for (const name of ['serial', 'tbo'] as const) {
      const { spans } = simulateStep(scenario.input, name).timeline;
      expect(spans.length).toBeGreaterThan(100);
      expect(linearOrder(spans)).toEqual(reference(spans));
    }
  });

  it('handles no spans, and sparse GPU numbers', () => {
    expect(inTimelineOrder([])).toEqual([]);
    const far: Span = { op: 1, gpu: 1_000_000, stream: 'comm', kind: 'x', name: 'a', startNs: 0, endNs: 1, flops: 0, bytes: 0 };
    const near: Span = { ...far, op: 0, gpu: 0 };
    expect(inTimelineOrder([far, near])).toEqual([near, far]);
  });
});
