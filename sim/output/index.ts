// PUBLIC SURFACE of sim/output/: what other folders may import (they import nothing else from here).
export { chromeTraceChunks, moeFlows } from './chrome-trace.ts';
export type { ChromeTrace } from './chrome-trace.ts';
export { SWEEP_FORMAT_VERSION } from './formats.ts';
export type { ResultFile, SweepAnswer, SweepFile, SweepPoint, TimelineFile } from './formats.ts';
export { toResultFile } from './result-file.ts';
export { TABLE_COLUMNS, comparisonTable, emulationNotes, formatGiB, formatTable, formatUs, memoryNotes, metricsRow, stragglerTable, summaryTable, phaseColumns } from './table.ts';
export type { SummaryTable } from './table.ts';
export { DEEPEP_NORMAL_KERNELS, DEEPEP_SOURCE, deepEpFigure } from './deepep-reference.ts';
export type { DeepEpFigure } from './deepep-reference.ts';
export { toTimelineFile } from './timeline-file.ts';
export { TRACE_ALL_GPUS_UP_TO, describeGpus, describeGpusOf, parseTraceGpus, traceGpus } from './trace-gpus.ts';
export { checkWritableDir, writeDirAtomically } from './write-dir.ts';
export type { FileText } from './write-dir.ts';
