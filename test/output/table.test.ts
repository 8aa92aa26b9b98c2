import { describe, expect, it } from 'vitest';
import { emulationNotes, metricsRow } from '../../sim/output/table.ts';
import type { ScheduleMetrics } from '../../sim/core/types.ts';

const base = (over: Partial<ScheduleMetrics>): ScheduleMetrics =>
  ({
    name: 'serial',
    stepTimeUs: 20968.265,
    tpotMs: 11.036,
    tokensPerSecPerUser: 90.61,
    tokensPerSecPerGpu: 724.9,
    exposedCommFraction: 0.1034,
    computeUtilization: 0.9,
    costUsdPerMillionTokens: 0.7664,
    memoryGiBPerGpu: 47.38,
    fitsInMemory: true,
    ...over,
  }) as ScheduleMetrics;

describe('metricsRow()', () => {
  it('formats a decode row: ms above 10 ms, grouped thousands, one-decimal percent and GiB', () => {
    expect(metricsRow(base({}))).toEqual(['serial', '20.97 ms', '11.04', '90.6', '725', '10.3%', '47.4', '0.766', '', '']);
  });

  it('shows MFU for training and the memory split: weights (with optimizer states) / KV cache / activations / buffers', () => {
    const row = metricsRow(base({ mfu: 0.4567, memoryBreakdownGiB: { weights: 40.12, kvCache: 2.4, activations: 0.01, buffers: 1.91 } }));
    expect(row.slice(8)).toEqual(['45.7%', '40.1/2.4/<0.1/1.9']);
  });

  it('shows µs for short steps, "<0.1" for a few MiB, "(no fit)" past the GPU, and a star for an emulation', () => {
    const row = metricsRow(base({ name: 'shared-overlap', emulation: 'dense FFN 0 stands in', stepTimeUs: 72.04, memoryGiBPerGpu: 0.004 }));
    expect(row.slice(0, 2)).toEqual(['shared-overlap*', '72.0 µs']);
    expect(row[6]).toBe('<0.1');
    expect(metricsRow(base({ memoryGiBPerGpu: 102.5, fitsInMemory: false }))[6]).toBe('102.5 (no fit)');
    expect(metricsRow(base({ memoryGiBPerGpu: 0 }))[6]).toBe('0.0');
  });
});

describe('emulationNotes()', () => {
  it('gives one footnote per emulated schedule, however many rows it has', () => {
    const e = 'dense FFN 0 stands in';
    const rows = [base({ name: 'shared-overlap', emulation: e }), base({}), base({ name: 'shared-overlap', emulation: e })];
    expect(emulationNotes(rows)).toEqual([`* shared-overlap is emulated: ${e}`]);
    expect(emulationNotes([base({})])).toEqual([]);
  });
});
