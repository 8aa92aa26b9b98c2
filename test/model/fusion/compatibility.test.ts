// Mismatched checkpoints are refused, every difference named (the checkpoint, then the tensor or field).
import { describe, expect, it } from 'vitest';
import { UserInputError } from '../../../sim/core/errors.ts';
import { checkCompatible, CheckpointMismatchError, compatibilityIssues, type FusionCandidate } from '../../../model/fusion/compatibility.ts';
import { microConfig } from '../micro-config.ts';

function candidate(dir: string, patch: Partial<FusionCandidate> = {}): FusionCandidate {
  return {
    dir,
    config: microConfig().model,
    shapes: new Map([
      ['embed', [320, 16]],
      ['L0.moe.router', [16, 12]],
    ]),
    tokenizer: '{"vocab":1}',
    ...patch,
  };
}

describe('compatibilityIssues() / checkCompatible()', () => {
  it('accepts identical networks', () => {
    expect(compatibilityIssues(candidate('base'), [candidate('a'), candidate('b')])).toEqual([]);
    expect(() => checkCompatible(candidate('base'), [candidate('a')])).not.toThrow();
  });

  it('names the tensor whose shape differs, and the config fields behind it', () => {
    const other = candidate('runs/x/checkpoint', {
      config: { ...microConfig().model, ffnExperts: 16 },
      shapes: new Map([
        ['embed', [320, 16]],
        ['L0.moe.router', [16, 20]],
      ]),
    });
    let error: unknown;
    try {
      checkCompatible(candidate('runs/base/checkpoint'), [other]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CheckpointMismatchError);
    expect(error).toBeInstanceOf(UserInputError);
    expect((error as Error).message).toBe(
      [
        "runs/x/checkpoint: model.ffnExperts: 16 differs from the base's 8 (runs/base/checkpoint)",
        "runs/x/checkpoint: L0.moe.router: shape [16, 20] differs from the base's [16, 12] (runs/base/checkpoint)",
      ].join('\n'),
    );
  });

  it('names a different preset, a missing or extra tensor and a different tokenizer', () => {
    const other = candidate('e', {
      config: { ...microConfig().model, name: 'tiny' },
      shapes: new Map([
        ['embed', [320, 16]],
        ['L9.extra', [2]],
      ]),
      tokenizer: '{"vocab":2}',
    });
    expect(compatibilityIssues(candidate('b'), [other]).map((i) => `${i.path}: ${i.message}`)).toEqual([
      `model.name: preset "tiny" differs from the base's "micro" (b)`,
      "L0.moe.router: tensor missing (the base's is [16, 12])",
      'L9.extra: tensor not in the base (b)',
      "tokenizer: differs from the base's (b); token ids would not mean the same thing",
    ]);
  });
});
