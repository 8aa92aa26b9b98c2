// PUBLIC SURFACE of sim/metrics/: what other folders may import (they import nothing else from here).
export { busyTime, subtract, union } from './busy-time.ts';
export { perLayerUs, round } from './per-layer.ts';
export { gpuSummary, stragglers } from './gpu-summary.ts';
export type { GpuSummary, StragglerGpu, Stragglers } from './gpu-summary.ts';
