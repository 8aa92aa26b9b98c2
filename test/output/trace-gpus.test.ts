// Which GPUs trace.chrome.json holds (sim/output/trace-gpus.ts) and how `--trace-gpus` is read.
import { describe, expect, it } from 'vitest';
import { describeGpus, describeGpusOf, parseTraceGpus, TRACE_ALL_GPUS_UP_TO, traceGpus } from '../../sim/output/trace-gpus.ts';

describe('traceGpus', () => {
  it('keeps every GPU of a cluster up to the threshold, whatever the stragglers', () => {
    expect(TRACE_ALL_GPUS_UP_TO).toBe(256);
    expect(traceGpus(128, 8, [[5, 6, 7]])).toBeUndefined();
    expect(traceGpus(256, 8, [[200]])).toBeUndefined();
  });

  it('above it, keeps the first node and each schedule\'s three slowest GPUs, once each, ascending', () => {
    // 1,024 GPUs, 8 per node; two schedules share straggler 662.
    expect(traceGpus(1024, 8, [[662, 406, 150, 999, 3], [662, 12, 1023]])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 12, 150, 406, 662, 1023]);
    expect(traceGpus(257, 8, [])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('follows what was asked: all, or the ids given (sorted, once each)', () => {
    expect(traceGpus(1024, 8, [[662]], 'all')).toBeUndefined();
    expect(traceGpus(16, 8, [[5]], [9, 2, 9])).toEqual([2, 9]);
  });
});

describe('describeGpus', () => {
  it('writes runs of consecutive ids as ranges', () => {
    expect(describeGpus([0, 1, 2, 3, 4, 5, 6, 7, 150, 406, 407])).toBe('0-7, 150, 406-407');
    expect(describeGpus([5])).toBe('5');
    expect(describeGpus([])).toBe('');
  });

  it('says of how many, with thousands separated', () => {
    expect(describeGpusOf([0, 1, 2, 3, 4, 5, 6, 7, 150], 1024)).toBe('0-7, 150 of 1,024');
    expect(describeGpusOf([9], 320)).toBe('9 of 320');
  });
});

describe('parseTraceGpus', () => {
  it('reads "all", ids and ranges, with spaces', () => {
    expect(parseTraceGpus('all', 16)).toEqual({ ok: 'all' });
    expect(parseTraceGpus(' 0-3, 9 ,12-12', 16)).toEqual({ ok: [0, 1, 2, 3, 9, 12] });
    expect(parseTraceGpus('15', 16)).toEqual({ ok: [15] });
  });

  it('says what is wrong: words, empty parts, backward ranges, GPUs outside the cluster', () => {
    expect(parseTraceGpus('first', 16)).toEqual({ error: 'expected "all" or GPU ids and ranges like 0-7,150; got "first" in "first"' });
    expect(parseTraceGpus('1,,2', 16)).toEqual({ error: 'expected "all" or GPU ids and ranges like 0-7,150; got "" in "1,,2"' });
    expect(parseTraceGpus('-3', 16)).toEqual({ error: 'expected "all" or GPU ids and ranges like 0-7,150; got "-3" in "-3"' });
    expect(parseTraceGpus('7-2', 16)).toEqual({ error: 'range 7-2 runs backwards' });
    expect(parseTraceGpus('0-16', 16)).toEqual({ error: "GPU 16 is outside this cluster's 0-15" });
    expect(parseTraceGpus('99999999999', 16)).toEqual({ error: 'expected "all" or GPU ids and ranges like 0-7,150; got "99999999999" in "99999999999"' });
  });

  it('stays within the cluster however often a range repeats', () => {
    const parsed = parseTraceGpus(Array(10_000).fill('0-15').join(','), 16);
    expect(parsed).toEqual({ ok: Array.from({ length: 16 }, (_, i) => i) });
  });
});
