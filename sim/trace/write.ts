// Writes a trace file. The header is built from the trace and checked by the reader's own
// validation before a byte is written, so every file written can be read back; the file appears
// atomically (temp file + rename), so a crash never leaves half a trace under the final name.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { UsageError } from '../core/index.ts';
import { valueIssues } from './check-values.ts';
import {
  alignUp,
  HOST_IS_LITTLE_ENDIAN,
  PREAMBLE_BYTES,
  TRACE_ARRAYS,
  TRACE_FORMAT_VERSION,
  TRACE_MAGIC,
  type TraceArrayName,
  type TraceHeader,
} from './format.ts';
import { validateHeader } from './header.ts';
import { traceFormatError } from './issues.ts';
import type { RoutingTrace } from './routing-trace.ts';

type TypedArray = Uint16Array | Float32Array | Int32Array | Uint8Array;
const CONSTRUCTORS = { uint16: Uint16Array, float32: Float32Array, int32: Int32Array, uint8: Uint8Array } as const;

export async function writeTrace(path: string, trace: RoutingTrace): Promise<void> {
  const bytes = encodeTrace(trace, path);
  const temp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw new UsageError(`cannot write the trace file: ${(e as Error).message}`, path);
  }
}

/** The file bytes of a trace; throws TraceFormatError (naming `file`) if the trace is inconsistent. */
export function encodeTrace(trace: RoutingTrace, file = '(trace being written)'): Uint8Array {
  const arrays = presentArrays(trace, file);
  let offset = 0;
  const entries = arrays.map(([name, data]) => {
    const byteOffset = alignUp(offset);
    offset = byteOffset + data.byteLength;
    return { name, dtype: TRACE_ARRAYS[name].dtype, length: data.length, byteOffset };
  });
  const header: TraceHeader = {
    formatVersion: TRACE_FORMAT_VERSION,
    model: canonicalModel(trace.model),
    provenance: trace.provenance,
    tokens: trace.tokens,
    arrays: entries,
    ...(trace.domains ? { domains: trace.domains } : {}),
    ...(trace.tokenText ? { tokenText: trace.tokenText } : {}),
  };
  const headerText = JSON.stringify(header);
  // Check exactly what a reader will see (JSON drops undefined, turns NaN into null).
  validateHeader(JSON.parse(headerText), file, offset);
  const issues = valueIssues(trace, file);
  if (issues.length > 0) throw traceFormatError(issues);

  const json = new TextEncoder().encode(headerText);
  // Pad the header with spaces (still valid JSON) so the data section starts 8-byte aligned.
  const headerLength = alignUp(PREAMBLE_BYTES + json.length) - PREAMBLE_BYTES;
  const start = PREAMBLE_BYTES + headerLength;
  const out = new Uint8Array(start + offset);
  out.set(new TextEncoder().encode(TRACE_MAGIC), 0);
  new DataView(out.buffer).setUint32(TRACE_MAGIC.length, headerLength, true);
  out.set(json, PREAMBLE_BYTES);
  out.fill(0x20, PREAMBLE_BYTES + json.length, start);
  arrays.forEach(([, data], i) => writeLittleEndian(out, start + entries[i]!.byteOffset, data));
  return out;
}

function presentArrays(trace: RoutingTrace, file: string): [TraceArrayName, TypedArray][] {
  const candidates: [TraceArrayName, TypedArray | undefined][] = [
    ['experts', trace.experts],
    ['gates', trace.gates],
    ['tokenIds', trace.tokenIds],
    ['tokenDomain', trace.tokenDomain],
  ];
  const present = candidates.filter((c): c is [TraceArrayName, TypedArray] => c[1] !== undefined);
  for (const [name, data] of present) {
    const Ctor = CONSTRUCTORS[TRACE_ARRAYS[name].dtype];
    if (!(data instanceof Ctor)) throw traceFormatError([{ file, line: 0, col: 0, path: name, message: `must be a ${Ctor.name}` }]);
  }
  return present;
}

/** Fixed key order, so equal traces give equal bytes. */
function canonicalModel(m: RoutingTrace['model']): RoutingTrace['model'] {
  const { name, layers, ffnExperts, zeroExperts, topk, hidden, expertHidden } = m;
  return { name, layers, ffnExperts, zeroExperts, topk, ...(hidden !== undefined ? { hidden } : {}), ...(expertHidden !== undefined ? { expertHidden } : {}) };
}

function writeLittleEndian(out: Uint8Array, at: number, data: TypedArray): void {
  if (HOST_IS_LITTLE_ENDIAN) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    return;
  }
  const view = new DataView(out.buffer, at, data.byteLength);
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Uint16Array) view.setUint16(i * 2, data[i]!, true);
    else if (data instanceof Float32Array) view.setFloat32(i * 4, data[i]!, true);
    else if (data instanceof Int32Array) view.setInt32(i * 4, data[i]!, true);
    else view.setUint8(i, data[i]!);
  }
}
