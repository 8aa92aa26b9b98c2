// PUBLIC SURFACE of model/fusion/: what other folders may import (they import nothing else from here).
// The recipe (its choices, defaults and provenance type) is in model/options/.
export { compareModels } from './compare-models.ts';
export type { Comparison } from './compare-models.ts';
export { fuseCheckpoints } from './fuse-checkpoints.ts';
export type { FuseResult } from './fuse-checkpoints.ts';
