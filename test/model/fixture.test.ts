import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { summarizeTrace } from '../../model/trace-analysis.ts';
import { readTrace } from '../../sim/trace/index.ts';

describe('traces/tiny.trace (made by the real tiny model)', () => {
  it('is under 1 MB and loads with the tiny model shape, domains and token text', async () => {
    const file = 'traces/tiny.trace';
    expect(fs.statSync(file).size).toBeLessThan(1_000_000);
    const trace = await readTrace(file);
    expect(trace.model).toMatchObject({ name: 'tiny', layers: 2, ffnExperts: 32, zeroExperts: 16, topk: 6 });
    expect(trace.domains).toEqual(['speech', 'prose', 'code']);
    expect(trace.tokenText).toHaveLength(trace.tokens);
    expect(trace.provenance.createdBy).toBe('epsim trace');
    // The budget controller held the tiny model near K_e = 4 FFN experts per token.
    expect(Math.abs(summarizeTrace(trace).ffnPerTokenMean - 4)).toBeLessThan(0.5);
  });
});
