// PUBLIC SURFACE of model/fusion/: what other folders may import (they import nothing else from here).
export { compareModels } from './compare-models.ts';
export type { Comparison } from './compare-models.ts';
export { SIGN_ELECTIONS } from './erase.ts';
export { fuseCheckpoints } from './fuse-checkpoints.ts';
export type { FuseResult } from './fuse-checkpoints.ts';
export { DEFAULT_FUSION_RECIPE, ERASE_MEANS, FUSION_WEIGHTINGS, ROUTER_BIAS_MODES, describeRecipe } from './recipe.ts';
export type { FusionOrigin, FusionRecipe } from './recipe.ts';
