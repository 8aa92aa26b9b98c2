// PUBLIC SURFACE of sim/output/: what other folders may import (they import nothing else from here).
export { toChromeTrace } from './chrome-trace.ts';
export type { ChromeTrace } from './chrome-trace.ts';
export { SWEEP_FORMAT_VERSION } from './formats.ts';
export type { ResultFile, SweepAnswer, SweepFile, SweepPoint, TimelineFile } from './formats.ts';
export { toResultFile } from './result-file.ts';
export { TABLE_COLUMNS, comparisonTable, emulationNotes, formatTable, metricsRow } from './table.ts';
export { toTimelineFile } from './timeline-file.ts';
export { writeDirAtomically } from './write-dir.ts';
