import { describe, expect, it } from 'vitest';
import { emulationNotes, metricsRow, stragglerTable, summaryTable } from '../../sim/output/table.ts';
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

describe('summaryTable()', () => {
  const result = (phase: string, schedules: ScheduleMetrics[], ep = 128) => ({ scenario: { workload: { phase }, parallel: { ep } }, schedules });

  it('decode keeps the TPOT and per-user columns; prefill drops them', () => {
    expect(summaryTable(result('decode', [base({})])).columns).toEqual(['schedule', 'step', 'TPOT ms', 'tok/s/user', 'tok/s/GPU', 'exposed comm', 'mem GiB/GPU', '$/M tok', 'GiB W/KV/act/buf']);
    const prefill = summaryTable(result('prefill', [base({ tpotMs: undefined, tokensPerSecPerUser: undefined })]));
    expect(prefill.columns).toEqual(['schedule', 'step', 'tok/s/GPU', 'exposed comm', 'mem GiB/GPU', '$/M tok', 'GiB W/KV/act/buf']);
    expect(prefill.rows[0]).toEqual(['serial', '20.97 ms', '725', '10.3%', '47.4', '0.766', '']);
  });

  it('training shows MFU as a percentage', () => {
    const t = summaryTable(result('train', [base({ mfu: 0.4127 })]));
    expect(t.columns).toContain('MFU');
    expect(t.rows[0]![t.columns.indexOf('MFU')]).toBe('41.3%');
  });

  it('a2a shows dispatch and combine time and GB/s with DeepEP\'s published figures at that EP, and nothing per token', () => {
    const a2a = base({ name: 'a2a', dispatchUs: 2380.6, combineUs: 6558, dispatchGBps: 46.2, combineGBps: 32.47 });
    const t = summaryTable(result('a2a', [a2a], 64));
    expect(t.columns).toEqual(['schedule', 'dispatch', 'dispatch GB/s', 'combine', 'combine GB/s', 'DeepEP GB/s']);
    expect(t.rows[0]).toEqual(['a2a', '2,380.6 µs', '46.2', '6,558.0 µs', '32.5', '51 / 50 (RDMA)']);
    expect(t.notes.join('\n')).toMatch(/deepseek-ai\/DeepEP README, commit 3b1045d/);
    expect(summaryTable(result('a2a', [a2a], 8)).rows[0]!.at(-1)).toBe('153 / 158 (NVLink)');
    expect(summaryTable(result('a2a', [a2a], 128)).rows[0]!.at(-1)).toBe('');
  });

  it('says what does not fit in memory, part by part when the result has the breakdown', () => {
    const parts = { weights: 61.04, kvCache: 30.2, activations: 8, buffers: 4.26 };
    const t = summaryTable(result('decode', [base({ memoryGiBPerGpu: 103.5, fitsInMemory: false, memoryBreakdownGiB: parts } as Partial<ScheduleMetrics>), base({ name: 'tbo', memoryGiBPerGpu: 90, fitsInMemory: false })]));
    expect(t.notes).toEqual([
      'serial does not fit in GPU memory: 103.5 GiB per GPU = weights 61.0 + KV cache 30.2 + activations 8.0 + buffers 4.3 GiB',
      'tbo does not fit in GPU memory: it needs 90.0 GiB per GPU (this result does not break it down)',
    ]);
  });
});

describe('stragglerTable()', () => {
  it('names the slowest GPUs, the slowest one\'s excess over the mean and the expert imbalance', () => {
    const lines = stragglerTable({
      stragglers: [
        {
          schedule: 'serial',
          slowest: [
            { gpu: 13, busyUs: 60600, expertGemmUs: 40000, exposedCommUs: 0, expertTokens: 3456 },
            { gpu: 45, busyUs: 60500, expertGemmUs: 39000, exposedCommUs: 0, expertTokens: 3400 },
          ],
          meanBusyUs: 51500,
          meanExpertGemmUs: 31000,
          meanExposedCommUs: 100,
          meanExpertTokens: 2100.4,
          slowestOverMeanUs: 9100,
          expertImbalanceUs: 8000,
          expertImbalanceShare: 0.1234,
        },
        { schedule: 'a2a', slowest: [], meanBusyUs: 0, meanExpertGemmUs: 0, meanExposedCommUs: 0, slowestOverMeanUs: 0, expertImbalanceUs: 0, expertImbalanceShare: 0 },
      ],
    });
    expect(lines[1]!.split('\n')[2]).toBe('serial          13, 45  60.60 ms  +9,100.0 µs  3,456 / 2,100 mean  8,000.0 µs (12.3%)');
    expect(lines[1]!.split('\n')).toHaveLength(3);
  });
});
