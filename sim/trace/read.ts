// Reads a trace file: preamble, header (validated), then typed-array views straight onto the
// file's bytes, so loading costs one read plus one pass of value checks.
import { readInputBytesAsync, type InputIssue } from '../core/index.ts';
import { DTYPE_BYTES, HOST_IS_LITTLE_ENDIAN, PREAMBLE_BYTES, TRACE_MAGIC, dataStart, type TraceArrayEntry, type TraceDtype } from './format.ts';
import { validateHeader } from './header.ts';
import { traceFormatError } from './issues.ts';
import { valueIssues } from './check-values.ts';
import type { RoutingTrace } from './routing-trace.ts';

export async function readTrace(path: string): Promise<RoutingTrace> {
  return decodeTrace(await readInputBytesAsync(path, 'trace'), path);
}

/**
 * Decodes a trace file's bytes. The returned arrays are views on `bytes` when it is suitably
 * aligned (copies otherwise), so do not reuse `bytes` afterwards. Throws TraceFormatError naming
 * `file` and the field for every problem found.
 */
export function decodeTrace(bytes: Uint8Array, file: string): RoutingTrace {
  const fail = (path: string, message: string): never => {
    throw traceFormatError([{ file, line: 0, col: 0, path, message }]);
  };
  const magic = latin1(bytes.subarray(0, TRACE_MAGIC.length));
  if (magic !== TRACE_MAGIC.slice(0, magic.length)) {
    fail('', `not an epsim trace: expected the magic bytes "${TRACE_MAGIC}" at the start, got "${printable(magic)}"`);
  }
  if (bytes.length < PREAMBLE_BYTES) {
    fail('', `the file is truncated: ${bytes.length} bytes, but a trace starts with ${PREAMBLE_BYTES} (magic + header length)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(TRACE_MAGIC.length, true);
  const start = dataStart(headerLength);
  if (PREAMBLE_BYTES + headerLength > bytes.length) {
    fail('header', `the file is truncated: the header length says ${headerLength} bytes, but only ${bytes.length - PREAMBLE_BYTES} follow`);
  }
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + headerLength));
  } catch {
    fail('header', 'not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail('header', `not valid JSON: ${(e as Error).message}`);
  }
  const header = validateHeader(json, file, Math.max(0, bytes.length - start));

  const arrays = new Map(header.arrays.map((a) => [a.name, arrayView(bytes, start, a)]));
  const trace: RoutingTrace = {
    model: header.model,
    provenance: header.provenance,
    tokens: header.tokens,
    experts: arrays.get('experts') as Uint16Array,
    gates: arrays.get('gates') as Float32Array,
  };
  if (arrays.has('tokenIds')) trace.tokenIds = arrays.get('tokenIds') as Int32Array;
  if (header.tokenText) trace.tokenText = header.tokenText;
  if (arrays.has('tokenDomain')) trace.tokenDomain = arrays.get('tokenDomain') as Uint8Array;
  if (header.domains) trace.domains = header.domains;
  const issues: InputIssue[] = valueIssues(trace, file);
  if (issues.length > 0) throw traceFormatError(issues);
  return trace;
}

type TypedArray = Uint16Array | Float32Array | Int32Array | Uint8Array;
const CONSTRUCTORS = { uint16: Uint16Array, float32: Float32Array, int32: Int32Array, uint8: Uint8Array } as const;

function arrayView(bytes: Uint8Array, start: number, a: TraceArrayEntry): TypedArray {
  const Ctor = CONSTRUCTORS[a.dtype];
  const size = DTYPE_BYTES[a.dtype];
  const from = start + a.byteOffset;
  if (!HOST_IS_LITTLE_ENDIAN) return readBigEndianHost(bytes, from, a.dtype, a.length);
  const absolute = bytes.byteOffset + from;
  if (absolute % size === 0) return new Ctor(bytes.buffer as ArrayBuffer, absolute, a.length);
  // Unaligned (a Buffer from Node's shared pool, or a slice): copy into a fresh buffer.
  return new Ctor(bytes.slice(from, from + a.length * size).buffer, 0, a.length);
}

function readBigEndianHost(bytes: Uint8Array, from: number, dtype: TraceDtype, length: number): TypedArray {
  const view = new DataView(bytes.buffer, bytes.byteOffset + from, length * DTYPE_BYTES[dtype]);
  const out = new CONSTRUCTORS[dtype](length);
  for (let i = 0; i < length; i++) {
    if (dtype === 'uint16') out[i] = view.getUint16(i * 2, true);
    else if (dtype === 'float32') out[i] = view.getFloat32(i * 4, true);
    else if (dtype === 'int32') out[i] = view.getInt32(i * 4, true);
    else out[i] = view.getUint8(i);
  }
  return out;
}

function latin1(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]|["\\]/g, (c) => `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}
