import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TraceFormatError, UsageError } from '../../sim/core/errors.ts';
import { decodeTrace, encodeTrace, readTrace, writeTrace } from '../../sim/trace/index.ts';
import { makeTrace } from './make-trace.ts';

const dir = mkdtempSync(join(tmpdir(), 'epsim-trace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('encodeTrace() / decodeTrace()', () => {
  it('round-trips every field and array exactly, and re-encodes to identical bytes', () => {
    const trace = makeTrace();
    const bytes = encodeTrace(trace);
    const back = decodeTrace(bytes, 'mem.trace');
    expect(back).toEqual(trace);
    expect(back.experts).toBeInstanceOf(Uint16Array);
    expect(back.gates).toBeInstanceOf(Float32Array);
    expect(Array.from(back.gates)).toEqual(Array.from(trace.gates));
    expect(encodeTrace(back)).toEqual(bytes);
  });

  it('round-trips a trace with only the required arrays, and one of zero tokens', () => {
    for (const trace of [makeTrace(4, 3, 2, 4, 0, false), makeTrace(0, 2, 2, 4, 1, false)]) {
      const back = decodeTrace(encodeTrace(trace), 'mem.trace');
      expect(back).toEqual(trace);
      expect('tokenIds' in back).toBe(false);
    }
  });

  it('lays the file out as documented: magic, header length, space-padded JSON, 8-aligned arrays', () => {
    const bytes = encodeTrace(makeTrace());
    expect(Buffer.from(bytes.subarray(0, 8)).toString('latin1')).toBe('EPSIMTRC');
    const headerLength = new DataView(bytes.buffer).getUint32(8, true);
    expect((12 + headerLength) % 8).toBe(0);
    const header = JSON.parse(Buffer.from(bytes.subarray(12, 12 + headerLength)).toString('utf8'));
    expect(header.formatVersion).toBe(1);
    expect(header.arrays.map((a: { name: string; byteOffset: number }) => [a.name, a.byteOffset])).toEqual([
      ['experts', 0], // 30 × 2 bytes, padded to 64
      ['gates', 64], // 30 × 4 bytes
      ['tokenIds', 184], // 5 × 4 bytes, padded to 208
      ['tokenDomain', 208],
    ]);
    const start = 12 + headerLength;
    expect(new Uint16Array(bytes.buffer, start, 30)).toEqual(makeTrace().experts);
    expect(bytes.length).toBe(start + 208 + 5);
  });

  it('decodes from an unaligned buffer by copying', () => {
    const bytes = encodeTrace(makeTrace());
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect(decodeTrace(shifted.subarray(1), 'shifted.trace')).toEqual(makeTrace());
  });

  it('refuses to encode an inconsistent trace, naming the problem', () => {
    const trace = makeTrace();
    trace.experts[4] = 8;
    expect(() => encodeTrace(trace, 'out.trace')).toThrow(TraceFormatError);
    expect(() => encodeTrace(trace, 'out.trace')).toThrow(
      'out.trace: experts[4]: expert id 8 (token 0, layer 1, slot 1) is out of range: the model has 6 FFN + 2 zero experts (ids 0..7)',
    );
    const short = { ...makeTrace(), gates: new Float32Array(3) };
    expect(() => encodeTrace(short, 'out.trace')).toThrow('out.trace: header.arrays[1].length: gates has 3 values, but tokens × layers × topk = 5 × 2 × 3 = 30');
  });

  it('loads a 10-million-decision trace in well under a second', () => {
    const tokens = 125_000;
    const layers = 8;
    const topk = 10;
    const n = tokens * layers * topk;
    const experts = new Uint16Array(n).map((_, i) => (i * 7919) % 768);
    const gates = new Float32Array(n).fill(0.1);
    const bytes = encodeTrace({ model: { name: 'big', layers, ffnExperts: 512, zeroExperts: 256, topk }, provenance: { createdBy: 'test' }, tokens, experts, gates });
    const t0 = performance.now();
    const trace = decodeTrace(bytes, 'big.trace');
    const ms = performance.now() - t0;
    expect(trace.experts.length).toBe(10_000_000);
    expect(ms).toBeLessThan(1000);
  });
});

describe('writeTrace() / readTrace()', () => {
  it('writes atomically (no temp file left) and reads back the same trace', async () => {
    const path = join(dir, 'a.trace');
    await writeTrace(path, makeTrace());
    expect(readdirSync(dir)).toEqual(['a.trace']);
    expect(await readTrace(path)).toEqual(makeTrace());
    expect(new Uint8Array(readFileSync(path))).toEqual(encodeTrace(makeTrace()));
  });

  it('writes nothing when the trace is invalid', async () => {
    const trace = makeTrace();
    trace.gates[0] = Number.NaN;
    const path = join(dir, 'bad.trace');
    await expect(writeTrace(path, trace)).rejects.toThrow(`${path}: gates[0]: gate NaN (token 0, layer 0, slot 0) is not a finite number`);
    expect(existsSync(path)).toBe(false);
  });

  it('reports an unreadable or unwritable path as a UsageError naming it', async () => {
    const missing = join(dir, 'nope', 'x.trace');
    await expect(readTrace(missing)).rejects.toBeInstanceOf(UsageError);
    await expect(readTrace(missing)).rejects.toThrow(`${missing}: cannot read the trace file (no such file)`);
    await expect(writeTrace(missing, makeTrace())).rejects.toThrow(`${missing}: cannot write the trace file: ENOENT`);
  });
});
