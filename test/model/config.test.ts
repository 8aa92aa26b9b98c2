import { describe, expect, it } from 'vitest';
import { ModelConfigError, mlaScales, modelConfigIssues, validateModelConfig, validateRunConfig, varianceGamma } from '../../model/config.ts';
import { presetConfig } from '../../model/presets.ts';
import { PRESET_NAMES } from '../../model/options/index.ts';
import { UsageError, UserInputError } from '../../sim/core/errors.ts';

const base = presetConfig('tiny').model;

describe('validateModelConfig()', () => {
  it.each([
    [{ hidden: 0 }, 'hidden', 'must be a positive integer; got 0'],
    [{ heads: 2.5 }, 'heads', 'must be a positive integer; got 2.5'],
    [{ zeroExperts: -1 }, 'zeroExperts', 'must be an integer >= 0; got -1'],
    [{ topK: 49 }, 'topK', 'must be <= ffnExperts + zeroExperts (48); got 49'],
    [{ targetFfnPerToken: 7 }, 'targetFfnPerToken', 'must be in (0, topK = 6]; got 7'],
    [{ balanceGroups: 5 }, 'balanceGroups', 'must divide ffnExperts (32); got 5'],
    [{ zeroExperts: 1 }, 'targetFfnPerToken', 'topK - targetFfnPerToken must be <= zeroExperts (1)'],
  ])('rejects %j naming the field', (patch, field, message) => {
    const issues = modelConfigIssues({ ...base, ...patch }, 'cfg.json');
    expect(issues).toContainEqual({ file: 'cfg.json', line: 0, col: 0, path: field, message });
  });

  it('reports every bad field at once, as a UserInputError the CLI prints without a stack', () => {
    let error: unknown;
    try {
      validateModelConfig({ ...base, hidden: -4, layers: 0 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelConfigError);
    expect(error).toBeInstanceOf(UserInputError);
    expect((error as ModelConfigError).issues.map((i) => i.path)).toEqual(['hidden', 'layers']);
  });

  it('checks the training settings too', () => {
    const run = presetConfig('tiny');
    expect(() => validateRunConfig({ ...run, train: { ...run.train, adamBeta2: 1 } })).toThrow(/train\.adamBeta2: must be in \[0, 1\); got 1/);
  });
});

describe('presets', () => {
  it.each(PRESET_NAMES)('%s is valid', (name) => {
    expect(() => presetConfig(name)).not.toThrow();
  });

  it('longcat-shape has LongCat-Flash’s routing shape', () => {
    const m = presetConfig('longcat-shape').model;
    expect([m.ffnExperts, m.zeroExperts, m.topK, m.targetFfnPerToken]).toEqual([512, 256, 12, 8]);
    expect(presetConfig('longcat-shape').train.adamEpsilon).toBe(1e-16);
  });

  it('an unknown preset is a UsageError listing the available ones', () => {
    expect(() => presetConfig('huge')).toThrow(UsageError);
    expect(() => presetConfig('huge')).toThrow(/available: tiny, longcat-shape/);
  });

  it('derives gamma = m and the MLA scale factors', () => {
    expect(varianceGamma({ ...base, expertSplit: 4 })).toBe(4);
    expect(mlaScales({ ...base, hidden: 64, qRank: 16, kvRank: 64 })).toEqual({ alphaQ: 2, alphaKv: 1 });
  });
});
