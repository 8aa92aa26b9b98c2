// Spans posted between threads as columns come back field for field, on a real step's timeline.
import { describe, expect, it } from 'vitest';
import { packSpans, unpackSpans } from '../../sim/ops/index.ts';
import { resolveScenarioText } from '../../sim/scenario/index.ts';
import { simulateStep } from '../../sim/step/index.ts';
import { fromPosted, toPosted } from '../../sim/scenario/posted-result.ts';
import { tinyDecodeScenario } from '../helpers/tiny-scenario.ts';

const scenario = await resolveScenarioText(tinyDecodeScenario('topology: h800-1node', '  ep: 8\n  attention: { dp: 8, tp: 1 }'), 'small.yaml');
const result = simulateStep(scenario.input, 'serial');

describe('packed spans', () => {
  it('round-trips every span of a step exactly', () => {
    const spans = result.timeline.spans;
    expect(spans.length).toBeGreaterThan(100);
    const packed = packSpans(spans);
    expect(packed.count).toBe(spans.length);
    // Names repeat per GPU: the string table holds each once.
    expect(packed.strings.length).toBeLessThan(spans.length / 4);
    expect(unpackSpans(packed)).toEqual(spans);
  });

  it('keeps absent layers and micro-batches absent, and present zeros zero', () => {
    const base = { op: 0, gpu: 3, stream: 'comm', kind: 'dispatch', name: 'x', startNs: 1.5, endNs: 2.5, flops: 0, bytes: 7 };
    const spans = [
      { ...base, layer: undefined, microBatch: undefined },
      { ...base, op: 1, layer: 0, microBatch: 0 },
    ];
    const back = unpackSpans(packSpans(spans));
    expect(back).toEqual(spans);
    expect(back[0]!.layer).toBeUndefined();
    expect(back[1]!.microBatch).toBe(0);
  });

  it('a posted result survives a structured clone with its buffers transferred', () => {
    const { posted, transfer } = toPosted(result);
    const cloned = structuredClone(posted, { transfer });
    expect(transfer.every((b) => b.byteLength === 0)).toBe(true); // moved, not copied
    expect(fromPosted(cloned)).toEqual(result);
  });
});
