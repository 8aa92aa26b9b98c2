// PUBLIC SURFACE of model/options/: the choices and defaults of the model's commands (backends,
// presets, trace length, the fusion recipe). Nothing here imports TensorFlow.js, so the CLI can
// register and describe every command without loading it; the rest of model/ imports them from here.
export { BACKEND_CHOICES, DEFAULT_TRACE_TOKENS, isBackendChoice, PRESET_NAMES } from './choices.ts';
export type { BackendChoice, PresetName } from './choices.ts';
export { DEFAULT_FUSION_RECIPE, describeRecipe, ERASE_MEANS, FUSION_WEIGHTINGS, PLAIN_AVERAGE, resolveRecipe, ROUTER_BIAS_MODES, SIGN_ELECTIONS } from './fusion-recipe.ts';
export type { FusionOrigin, FusionRecipe, SignElection } from './fusion-recipe.ts';
