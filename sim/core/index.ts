// PUBLIC SURFACE of sim/core/: what other folders may import (they import nothing else from here).
export { ConfigError, SimInvariantError, TraceFormatError, UsageError, UserInputError, formatIssue } from './errors.ts';
export type { InputIssue } from './errors.ts';
export { closestOption, configErrorAt, didYouMean, parseDocumentWithPositions, parseYaml } from './load-yaml.ts';
export { boundedInt, boundedNumber, describeRange } from './bounded-number.ts';
export type { NumberRange } from './bounded-number.ts';
export { WORK_LIMITS } from './limits.ts';
export { INPUT_LIMITS, formatBytes, openFailure, openInputFile, readInputBytes, readInputBytesAsync, readInputText } from './read-input.ts';
export type { InputKind, ReadOptions } from './read-input.ts';
export { COMM_KINDS, STREAMS, isCommKind } from './op-kinds.ts';
export type { CommKind, ComputeKind } from './op-kinds.ts';
export { createRng } from './rng.ts';
export type { Rng } from './rng.ts';
export { PIPELINE_SCHEDULES, RECOMPUTE_MODES, SCHEDULE_NAMES } from './types.ts';
export type { Dtype, Parallel, PerLayerUs, Phase, PipelineScheduleName, Precision, RecomputeMode, ScheduleMetrics, ScheduleName, Workload } from './types.ts';
