// The choices and defaults the model's commands offer (`--backend`, `--preset`, `--max-tokens`),
// here rather than beside the code that uses them so the CLI can list them without loading
// TensorFlow.js.

/** `--backend`: auto picks tfjs-node-gpu if installed, else wasm, else cpu (backend/init-backend.ts). */
export const BACKEND_CHOICES = ['auto', 'gpu', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export function isBackendChoice(value: string): value is BackendChoice {
  return (BACKEND_CHOICES as readonly string[]).includes(value);
}

/** The named model + training presets (presets.ts). */
export const PRESET_NAMES = ['tiny', 'longcat-shape'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** Tokens `epsim trace` records when `--max-tokens` is not given (trace-model.ts). */
export const DEFAULT_TRACE_TOKENS = 8192;
