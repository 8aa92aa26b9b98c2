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
