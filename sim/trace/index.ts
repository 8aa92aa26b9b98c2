// Routing traces: the in-memory type, the binary file format (read/write) and the CSV importer.
export type { RoutingTrace, TraceModelShape, TraceProvenance } from './routing-trace.ts';
export { isZeroExpert } from './routing-trace.ts';
export { readTrace, decodeTrace } from './read.ts';
export { writeTrace, encodeTrace } from './write.ts';
export { importDump } from './import-dump.ts';
export type { ImportDumpOptions } from './import-dump.ts';
export { TRACE_MAGIC, TRACE_FORMAT_VERSION, TRACE_ARRAYS } from './format.ts';
export type { TraceHeader } from './format.ts';
export { describeValue, issuesFromZod } from './issues.ts';
