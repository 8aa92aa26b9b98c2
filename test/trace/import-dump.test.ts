import { describe, expect, it } from 'vitest';
import { TraceFormatError, UsageError } from '../../sim/core/errors.ts';
import { decodeTrace, encodeTrace, importDump } from '../../sim/trace/index.ts';

const WITH_GATES = ['token,layer,e0,e1,g0,g1', '0,0,3,17,0.6,0.4', '0,1,5,2,0.5,0.5', '1,0,17,9,7e-1,.3', '1,1,2,9,0.55,0.45', ''].join('\n');

describe('importDump()', () => {
  it('reads ids and gates in [token][layer][k] order, with ids >= ffnExperts as zero experts', () => {
    const trace = importDump(WITH_GATES, 'dump.csv', { ffnExperts: 16, zeroExperts: 4, name: 'sglang-dump' });
    expect(trace.model).toEqual({ name: 'sglang-dump', layers: 2, ffnExperts: 16, zeroExperts: 4, topk: 2 });
    expect(trace.tokens).toBe(2);
    expect(Array.from(trace.experts)).toEqual([3, 17, 5, 2, 17, 9, 2, 9]);
    expect(Array.from(trace.gates)).toEqual(Array.from(Float32Array.of(0.6, 0.4, 0.5, 0.5, 0.7, 0.3, 0.55, 0.45)));
    expect(trace.provenance).toEqual({ createdBy: 'epsim import-trace', notes: { dump: 'dump.csv' } });
    expect(decodeTrace(encodeTrace(trace), 'x.trace')).toEqual(trace);
  });

  it('accepts rows in any order (layer-major dumps) and sorts them into [token][layer][k]', () => {
    const layerMajor = ['token,layer,e0', '0,0,1', '1,0,2', '0,1,3', '1,1,4'].join('\n');
    const trace = importDump(layerMajor, 'dump.csv', { ffnExperts: 8 });
    expect([trace.tokens, trace.model.layers]).toEqual([2, 2]);
    expect(Array.from(trace.experts)).toEqual([1, 3, 2, 4]);
  });

  it('uses gates of 1/k without gate columns, infers zero experts from the largest id, and accepts CRLF, blanks and spaces', () => {
    const text = 'token, layer, e0, e1, e2\r\n\r\n7,0,1,2,3\r\n8,0, 4 ,0,9\r\n\r\n';
    const trace = importDump(text, 'dump.csv', { ffnExperts: 8 });
    expect(trace.model).toEqual({ name: 'imported', layers: 1, ffnExperts: 8, zeroExperts: 2, topk: 3 });
    expect(Array.from(trace.experts)).toEqual([1, 2, 3, 4, 0, 9]);
    expect(Array.from(trace.gates)).toEqual(new Array(6).fill(Math.fround(1 / 3)));
  });

  const HEADER = 'token,layer,e0,e1';
  const CASES: [string, string, string][] = [
    ['an empty file', '', 'dump.csv:1:1: the file is empty; expected a header line "token,layer,e0,...,e{k-1}"'],
    ['a header without expert columns', 'token,layer,x0', 'dump.csv:1:13: header: column 3 must be "e0"; got "x0" (expected token,layer,e0,...,e{k-1}[,g0,...,g{k-1}])'],
    ['a header with a wrong first column', 'tok,layer,e0', 'dump.csv:1:1: header: column 1 must be "token"; got "tok" (expected token,layer,e0,...,e{k-1}[,g0,...,g{k-1}])'],
    ['fewer gate columns than expert columns', 'token,layer,e0,e1,g0\n0,0,1,2,1', 'dump.csv:1:21: header: column 6 must be "g1"; got nothing (expected token,layer,e0,...,e{k-1}[,g0,...,g{k-1}])'],
    ['no data rows', `${HEADER}\n\n`, 'dump.csv:2:1: no data rows after the header'],
    ['a row with the wrong column count', `${HEADER}\n0,0,1,2\n1,0,3\n`, 'dump.csv:3:1: expected 4 columns (token,layer,e0..e1), got 3'],
    ['a non-integer expert id', `${HEADER}\n0,0,1,2.5\n`, 'dump.csv:2:7: e1: expected a non-negative integer expert id; got "2.5"'],
    ['a negative expert id', `${HEADER}\n0,0,-1,2\n`, 'dump.csv:2:5: e0: expected a non-negative integer expert id; got "-1"'],
    ['an expert id beyond ffn + zero experts', `${HEADER}\n0,0,1,12\n`, 'dump.csv:2:7: e1: expert id 12 is out of range: the model has 8 FFN + 4 zero experts (ids 0..11)'],
    ['a repeated expert in a row', `${HEADER}\n0,0,3,3\n`, 'dump.csv:2:7: e1: expert 3 appears twice in this row (e0 and e1); top-k picks distinct experts'],
    ['a gate that is not a number', 'token,layer,e0,g0\n0,0,1,abc\n', 'dump.csv:2:7: g0: expected a finite number; got "abc"'],
    ['an empty gate', 'token,layer,e0,g0\n0,0,1,\n', 'dump.csv:2:7: g0: expected a finite number; got ""'],
    // Found by the fuzz suite: finite as a double, Infinity as the float32 the trace stores.
    ['a gate too large for float32', 'token,layer,e0,g0\n0,0,1,1e300\n', 'dump.csv:2:7: g0: 1e300 does not fit a float32 gate (at most 3.4e38)'],
    ['a non-integer token', `${HEADER}\nzero,0,1,2\n`, 'dump.csv:2:1: token: expected a non-negative integer; got "zero"'],
    ['a token missing layer rows', `${HEADER}\n0,0,1,2\n0,1,1,2\n0,2,1,2\n1,0,1,2\n2,0,1,2\n2,1,1,2\n2,2,1,2\n`, 'dump.csv:5:1: layer: token 1 has 1 of 3 layer rows: layers 1..2 are missing'],
    ['the last token missing a layer row', `${HEADER}\n0,0,1,2\n0,1,1,2\n1,0,1,2\n`, 'dump.csv:4:1: layer: token 1 has 1 of 2 layer rows: layer 1 is missing'],
    ['a skipped layer', `${HEADER}\n0,0,1,2\n0,1,1,2\n0,2,1,2\n1,0,1,2\n1,2,1,2\n`, 'dump.csv:6:1: layer: token 1 has 2 of 3 layer rows: layer 1 is missing'],
    ['an inconsistent layer count', `${HEADER}\n0,0,1,2\n0,1,1,2\n1,0,1,2\n1,1,1,2\n1,2,1,2\n`, 'dump.csv:3:1: layer: token 0 has 2 of 3 layer rows: layer 2 is missing'],
    ['a duplicate row', `${HEADER}\n0,0,1,2\n0,0,3,4\n`, 'dump.csv:3:3: layer: a second row for token 0, layer 0 (the first is on line 2)'],
    ['a gap in token numbers', `${HEADER}\n0,0,1,2\n2,0,1,2\n`, 'dump.csv:3:1: token: no rows for token 1: token numbers must be consecutive (0..2 here)'],
    ['a stray huge token number', `${HEADER}\n0,0,1,2\n999999,0,1,2\n`, 'dump.csv: token numbers run from 0 to 999999 and layers from 0 to 0, so 1000000 × 1 rows are needed, but the file has 2'],
  ];

  it.each(CASES)('reports %s with its line number', (_, text, message) => {
    let error: unknown;
    try {
      importDump(text, 'dump.csv', { ffnExperts: 8, zeroExperts: 4 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TraceFormatError);
    expect((error as Error).message).toBe(message);
  });

  it('reports every bad row (sorted by line) and stops after 20', () => {
    const rows = Array.from({ length: 30 }, (_, t) => `${t},0,1,x`);
    const error = (() => {
      try {
        importDump([HEADER, ...rows].join('\n'), 'dump.csv', { ffnExperts: 8 });
      } catch (e) {
        return e as TraceFormatError;
      }
      throw new Error('expected an error');
    })();
    expect(error.issues).toHaveLength(21);
    expect(error.issues[0]!.line).toBe(2);
    expect(error.issues[19]!.line).toBe(21);
    expect(error.issues[20]!.message).toBe('stopped after 20 problems');
  });

  it('rejects bad options as usage errors', () => {
    expect(() => importDump(WITH_GATES, 'dump.csv', { ffnExperts: 0 })).toThrow(UsageError);
    expect(() => importDump(WITH_GATES, 'dump.csv', { ffnExperts: 4, zeroExperts: -1 })).toThrow('zeroExperts must be a non-negative integer; got -1');
  });
});
