// PUBLIC SURFACE of model/layers/: what other folders may import (they import nothing else from here).
export { causalMask } from './mla-attention.ts';
export type { ExpertImpl, MoeResult } from './moe.ts';
export { rmsNorm } from './rms-norm.ts';
export { ffnExpertsPerToken } from './router.ts';
export type { RoutingChoice } from './router.ts';
export { scmoeLayer } from './scmoe-layer.ts';
