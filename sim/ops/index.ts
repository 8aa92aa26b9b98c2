// PUBLIC SURFACE of sim/ops/: what other folders may import (they import nothing else from here).
export { execute } from './execute.ts';
export type { ExecuteOptions } from './execute.ts';
export { OpGraph } from './op-graph.ts';
export type { FlowSpec } from './op-graph.ts';
export { packSpans, unpackSpans } from './timeline.ts';
export type { PackedSpans, Span, Timeline } from './timeline.ts';
