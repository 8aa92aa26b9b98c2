// Before fusing, every expert must be the same network as the base: the same model config (preset)
// field by field, the same tensors with the same shapes, the same tokenizer. Every difference is
// collected and reported at once, naming the checkpoint and the tensor or field.
import { UserInputError, type InputIssue } from '../../sim/core/index.ts';
import type { ModelConfig } from '../index.ts';

/** Checkpoints that cannot be fused (or compared) with each other. */
export class CheckpointMismatchError extends UserInputError {
  constructor(issues: InputIssue[]) {
    super(issues);
    this.name = 'CheckpointMismatchError';
  }
}

export interface FusionCandidate {
  /** The checkpoint directory, used as the issue's file. */
  dir: string;
  config: ModelConfig;
  /** Tensor name -> shape, in the checkpoint's order. */
  shapes: ReadonlyMap<string, readonly number[]>;
  /** The tokenizer as JSON text. */
  tokenizer: string;
}

const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;

export function compatibilityIssues(base: FusionCandidate, experts: readonly FusionCandidate[]): InputIssue[] {
  const issues: InputIssue[] = [];
  for (const e of experts) {
    const bad = (path: string, message: string) => issues.push({ file: e.dir, line: 0, col: 0, path, message });
    const keys = [...new Set([...Object.keys(base.config), ...Object.keys(e.config)])] as (keyof ModelConfig)[];
    for (const k of keys) {
      const [mine, theirs] = [JSON.stringify(e.config[k]), JSON.stringify(base.config[k])];
      if (mine !== theirs) {
        const what = k === 'name' ? 'preset ' : '';
        bad(`model.${k}`, `${what}${mine} differs from the base's ${theirs} (${base.dir})`);
      }
    }
    for (const [name, shape] of base.shapes) {
      const mine = e.shapes.get(name);
      if (!mine) bad(name, `tensor missing (the base's is ${fmt(shape)})`);
      else if (fmt(mine) !== fmt(shape)) bad(name, `shape ${fmt(mine)} differs from the base's ${fmt(shape)} (${base.dir})`);
    }
    for (const name of e.shapes.keys()) if (!base.shapes.has(name)) bad(name, `tensor not in the base (${base.dir})`);
    if (e.tokenizer !== base.tokenizer) bad('tokenizer', `differs from the base's (${base.dir}); token ids would not mean the same thing`);
  }
  return issues;
}

/** Throws CheckpointMismatchError listing every difference. */
export function checkCompatible(base: FusionCandidate, experts: readonly FusionCandidate[]): void {
  const issues = compatibilityIssues(base, experts);
  if (issues.length) throw new CheckpointMismatchError(issues);
}
