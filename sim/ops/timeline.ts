// What a run leaves behind: one span per op (per GPU part for collectives) plus traffic counters.

export interface Span {
  op: number;
  gpu: number;
  stream: string;
  kind: string;
  name: string;
  layer?: number;
  microBatch?: number;
  startNs: number;
  endNs: number;
  flops: number;
  /** For a collective part: the bytes this GPU sends. */
  bytes: number;
}

export interface Timeline {
  spans: Span[];
  makespanNs: number;
  bytesSent: Float64Array;
  bytesReceived: Float64Array;
  linkBytes: Float64Array;
  stats: { events: number; ops: number; rateSolves: number; flowsStarted: number };
}

/**
 * Spans as columns (numbers in typed arrays, strings as indices into one table), for posting
 * between threads: the structured clone of ~150k span objects costs about 0.3 s each way, of
 * these columns a few ms. Absent layers and micro-batches are -1.
 */
export interface PackedSpans {
  count: number;
  /** op, gpu, layer, microBatch, and the stream, kind and name indices into `strings`. */
  ints: Int32Array;
  /** startNs, endNs, flops, bytes. */
  floats: Float64Array;
  strings: string[];
}

const INT_FIELDS = 7;
const FLOAT_FIELDS = 4;

export function packSpans(spans: readonly Span[]): PackedSpans {
  const count = spans.length;
  const ints = new Int32Array(count * INT_FIELDS);
  const floats = new Float64Array(count * FLOAT_FIELDS);
  const strings: string[] = [];
  const indexOf = new Map<string, number>();
  const intern = (s: string): number => {
    let i = indexOf.get(s);
    if (i === undefined) indexOf.set(s, (i = strings.push(s) - 1));
    return i;
  };
  spans.forEach((s, k) => {
    const i = k * INT_FIELDS;
    ints[i] = s.op;
    ints[i + 1] = s.gpu;
    ints[i + 2] = s.layer ?? -1;
    ints[i + 3] = s.microBatch ?? -1;
    ints[i + 4] = intern(s.stream);
    ints[i + 5] = intern(s.kind);
    ints[i + 6] = intern(s.name);
    const f = k * FLOAT_FIELDS;
    floats[f] = s.startNs;
    floats[f + 1] = s.endNs;
    floats[f + 2] = s.flops;
    floats[f + 3] = s.bytes;
  });
  return { count, ints, floats, strings };
}

/** The spans packSpans packed, field for field (the executor's object shape). */
export function unpackSpans(p: PackedSpans): Span[] {
  const { ints, floats, strings } = p;
  const spans: Span[] = new Array(p.count);
  for (let k = 0; k < p.count; k++) {
    const i = k * INT_FIELDS;
    const f = k * FLOAT_FIELDS;
    const layer = ints[i + 2]!;
    const microBatch = ints[i + 3]!;
    spans[k] = {
      op: ints[i]!,
      gpu: ints[i + 1]!,
      stream: strings[ints[i + 4]!]!,
      kind: strings[ints[i + 5]!]!,
      name: strings[ints[i + 6]!]!,
      layer: layer >= 0 ? layer : undefined,
      microBatch: microBatch >= 0 ? microBatch : undefined,
      startNs: floats[f]!,
      endNs: floats[f + 1]!,
      flops: floats[f + 2]!,
      bytes: floats[f + 3]!,
    };
  }
  return spans;
}
