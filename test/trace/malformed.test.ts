import { describe, expect, it } from 'vitest';
import { TraceFormatError } from '../../sim/core/errors.ts';
import { decodeTrace, encodeTrace } from '../../sim/trace/index.ts';
import { makeTrace } from './make-trace.ts';

const GOOD = encodeTrace(makeTrace());
const HEADER_LENGTH = new DataView(GOOD.buffer).getUint32(8, true);
const DATA = GOOD.subarray(12 + HEADER_LENGTH);
const HEADER = JSON.parse(Buffer.from(GOOD.subarray(12, 12 + HEADER_LENGTH)).toString('utf8')) as Record<string, any>;

/** The good file with its header replaced by `text` (data section unchanged, realigned). */
function withHeaderText(text: string, data: Uint8Array = DATA): Uint8Array {
  const json = Buffer.from(text, 'utf8');
  const padded = Math.ceil((12 + json.length) / 8) * 8 - 12;
  const out = new Uint8Array(12 + padded + data.length).fill(0x20, 12, 12 + padded);
  out.set(Buffer.from('EPSIMTRC', 'latin1'));
  new DataView(out.buffer).setUint32(8, padded, true);
  out.set(json, 12);
  out.set(data, 12 + padded);
  return out;
}

function withHeader(edit: (h: Record<string, any>) => void): Uint8Array {
  const h = structuredClone(HEADER);
  edit(h);
  return withHeaderText(JSON.stringify(h));
}

function withData(edit: (data: DataView) => void): Uint8Array {
  const data = DATA.slice();
  edit(new DataView(data.buffer));
  return withHeaderText(JSON.stringify(HEADER), data);
}

const CASES: [string, Uint8Array, string][] = [
  ['wrong magic', Buffer.from('PK\u0003\u0004 this is a zip file', 'latin1'), 'bad.trace: not an epsim trace: expected the magic bytes "EPSIMTRC" at the start, got "PK\\x03\\x04 thi"'],
  ['an empty file', new Uint8Array(0), 'bad.trace: the file is truncated: 0 bytes, but a trace starts with 12 (magic + header length)'],
  ['a file cut inside the preamble', GOOD.subarray(0, 10), 'bad.trace: the file is truncated: 10 bytes, but a trace starts with 12 (magic + header length)'],
  ['a file cut inside the header', GOOD.subarray(0, 40), `bad.trace: header: the file is truncated: the header length says ${HEADER_LENGTH} bytes, but only 28 follow`],
  ['a file cut inside the arrays', GOOD.subarray(0, GOOD.length - 3), 'bad.trace: header.arrays[3]: the file is truncated: tokenDomain needs data bytes 208..213, but the data section has 210 bytes'],
  ['trailing bytes', Uint8Array.from([...GOOD, 0, 0]), 'bad.trace: 2 unexpected bytes after the last array'],
  ['a header that is not JSON', withHeaderText('{"formatVersion": 1,'), `bad.trace: header: not valid JSON: ${jsonError('{"formatVersion": 1,')}`],
  ['a header that is not an object', withHeaderText('[1]'), 'bad.trace: header: expected a JSON object; got [1]'],
  ['a newer format version', withHeader((h) => (h.formatVersion = 2)), 'bad.trace: header.formatVersion: unsupported version 2; this epsim reads version 1'],
  ['a missing format version', withHeader((h) => delete h.formatVersion), 'bad.trace: header.formatVersion: missing required field (expected 1)'],
  ['a missing model field', withHeader((h) => delete h.model.layers), 'bad.trace: header.model.layers: missing required field (expected number)'],
  ['an ill-typed model field', withHeader((h) => (h.model.topk = '3')), 'bad.trace: header.model.topk: expected number; got "3"'],
  ['a non-integer count', withHeader((h) => (h.tokens = 2.5)), 'bad.trace: header.tokens: expected int; got 2.5'],
  ['an unknown field', withHeader((h) => (h.model.experts = 8)), 'bad.trace: header.model.experts: unknown field'],
  ['an unknown array name', withHeader((h) => (h.arrays[2].name = 'logits')), 'bad.trace: header.arrays[2].name: expected one of "experts"|"gates"|"tokenIds"|"tokenDomain"; got "logits"'],
  ['a topk above the expert count', withHeader((h) => (h.model.topk = 9)), [
    'bad.trace: header.model.topk: top-k 9 exceeds the 8 experts (ffnExperts + zeroExperts)',
    'bad.trace: header.arrays[0].length: experts has 30 values, but tokens × layers × topk = 5 × 2 × 9 = 90',
    'bad.trace: header.arrays[1].length: gates has 30 values, but tokens × layers × topk = 5 × 2 × 9 = 90',
  ].join('\n')],
  ['an array length that does not match tokens × layers × topk', withHeader((h) => (h.tokens = 4)), [
    'bad.trace: header.arrays[0].length: experts has 30 values, but tokens × layers × topk = 4 × 2 × 3 = 24',
    'bad.trace: header.arrays[1].length: gates has 30 values, but tokens × layers × topk = 4 × 2 × 3 = 24',
    'bad.trace: header.arrays[2].length: tokenIds has 5 values, but tokens = 4',
    'bad.trace: header.arrays[3].length: tokenDomain has 5 values, but tokens = 4',
    'bad.trace: header.tokenText: has 5 entries, but tokens = 4',
  ].join('\n')],
  ['a wrong dtype', withHeader((h) => (h.arrays[1].dtype = 'int32')), 'bad.trace: header.arrays[1].dtype: gates must be float32; got "int32"'],
  ['a missing required array', withHeader((h) => h.arrays.splice(1, 1)), 'bad.trace: header.arrays: missing the required "gates" array'],
  ['a misaligned array', withHeader((h) => (h.arrays[3].byteOffset = 209)), [
    'bad.trace: header.arrays[3].byteOffset: must be a multiple of 8; got 209',
    'bad.trace: header.arrays[3]: the file is truncated: tokenDomain needs data bytes 209..214, but the data section has 213 bytes',
  ].join('\n')],
  ['overlapping arrays', withHeader((h) => (h.arrays[1].byteOffset = 56)), 'bad.trace: header.arrays[1].byteOffset: gates (data bytes 56..176) overlaps experts (data bytes 0..60)'],
  ['domains without a tokenDomain array', withHeader((h) => h.arrays.splice(3, 1)), [
    'bad.trace: 9 unexpected bytes after the last array', // tokenDomain's padding and values are still there
    'bad.trace: header.domains: lists domains, but there is no tokenDomain array',
  ].join('\n')],
  ['a tokenDomain array without domains', withHeader((h) => delete h.domains), 'bad.trace: header.domains: missing: the tokenDomain array needs the list of domain names'],
  ['an expert id out of range', withData((d) => d.setUint16(2 * 7, 8, true)), 'bad.trace: experts[7]: expert id 8 (token 1, layer 0, slot 1) is out of range: the model has 6 FFN + 2 zero experts (ids 0..7)'],
  ['several expert ids out of range', withData((d) => [3, 4, 5].forEach((i) => d.setUint16(2 * i, 900, true))), 'bad.trace: experts[3]: expert id 900 (token 0, layer 1, slot 0) is out of range: the model has 6 FFN + 2 zero experts (ids 0..7); 2 more ids are out of range'],
  ['a NaN gate', withData((d) => d.setFloat32(64 + 4 * 29, Number.NaN, true)), 'bad.trace: gates[29]: gate NaN (token 4, layer 1, slot 2) is not a finite number'],
  ['an infinite gate', withData((d) => d.setFloat32(64, Number.POSITIVE_INFINITY, true)), 'bad.trace: gates[0]: gate Infinity (token 0, layer 0, slot 0) is not a finite number'],
  ['a negative token id', withData((d) => d.setInt32(184 + 4, -3, true)), 'bad.trace: tokenIds[1]: token id -3 is negative'],
  ['a domain index out of range', withData((d) => d.setUint8(208 + 4, 2)), 'bad.trace: tokenDomain[4]: domain index 2 is out of range: the trace lists 2 domains'],
];

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

describe('decodeTrace() on malformed files', () => {
  it('accepts the unmodified file these cases are made from', () => {
    expect(decodeTrace(withHeader(() => undefined), 'good.trace')).toEqual(makeTrace());
  });

  it.each(CASES)('reports %s, naming the file and field', (_, bytes, message) => {
    let error: unknown;
    try {
      decodeTrace(bytes, 'bad.trace');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TraceFormatError);
    expect((error as TraceFormatError).message).toBe(message);
    expect((error as TraceFormatError).issues.every((i) => i.file === 'bad.trace')).toBe(true);
  });
});
