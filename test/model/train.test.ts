// End-to-end training on the real corpus with a micro config: learning, budget control and resume.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainModel, type TrainEvent } from '../../model/train.ts';
import { microConfig } from './micro-config.ts';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'epsim-train-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('trainModel() on the real corpus', () => {
  it('moves FFN experts per token toward K_e and lowers validation loss', async () => {
    // At init about K * N/(N+Z) = 3 * 8/12 = 2 of the 3 picks are FFN experts; K_e = 1.
    const config = microConfig({ train: { steps: 40, evalEvery: 1000, checkpointEvery: 1000, biasRate: 2 } });
    const steps: Extract<TrainEvent, { type: 'step' }>[] = [];
    const evals: number[] = [];
    const result = await trainModel({
      outDir: path.join(tmp, 'learn'),
      config,
      backend: 'wasm',
      onEvent: (e) => {
        if (e.type === 'step') steps.push(e);
        if (e.type === 'eval') evals.push(e.validation.loss);
      },
    });
    const first = steps[0].stats.ffnPerTokenMean;
    expect(first).toBeGreaterThan(1.6);
    expect(Math.abs(result.ffnPerTokenMean - 1)).toBeLessThan(0.35);
    expect(Math.abs(result.ffnPerTokenMean - 1)).toBeLessThan(Math.abs(first - 1) / 2);
    // Validation loss: the untrained model scores about ln(vocab); the trained one must do clearly better.
    expect(result.validationLoss).toBeLessThan(Math.log(config.model.vocabSize) - 0.5);
    expect(result.validationLoss).toBeLessThan(steps[0].stats.lmLoss - 0.5);
    expect(Number.isFinite(result.unigramLoss)).toBe(true);
    expect(steps.every((s) => Number.isFinite(s.stats.loss) && Number.isFinite(s.stats.gradNorm))).toBe(true);
  });

  it('resumes from the last checkpoint and ends exactly where an uninterrupted run ends', async () => {
    const config = microConfig({ train: { steps: 6, checkpointEvery: 3 } });
    const straight = await trainModel({ outDir: path.join(tmp, 'straight'), config, backend: 'wasm' });
    expect(straight.steps).toBe(6);
    expect(straight.resumedFrom).toBeNull();

    const dir = path.join(tmp, 'interrupted');
    const crash = new Error('simulated crash at step 5');
    await expect(
      trainModel({
        outDir: dir,
        config,
        backend: 'wasm',
        onEvent: (e) => {
          if (e.type === 'step' && e.step === 5) throw crash;
        },
      }),
    ).rejects.toBe(crash);
    const starts: number[] = [];
    const resumed = await trainModel({
      outDir: dir,
      backend: 'wasm',
      onEvent: (e) => {
        if (e.type === 'start') starts.push(e.resumedFrom ?? -1);
      },
    });
    expect(starts).toEqual([3]);
    expect(resumed.resumedFrom).toBe(3);
    expect(resumed.steps).toBe(6);
    const weights = (d: string) => fs.readFileSync(path.join(d, 'checkpoint', 'weights.bin'));
    expect(weights(dir).equals(weights(path.join(tmp, 'straight')))).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'checkpoint', 'router-biases.json'), 'utf8')).toBe(
      fs.readFileSync(path.join(tmp, 'straight', 'checkpoint', 'router-biases.json'), 'utf8'),
    );

    // A finished run is reported, not retrained; asking for more steps continues it.
    const again = await trainModel({ outDir: dir, backend: 'wasm' });
    expect(again.alreadyDone).toBe(true);
    const more = await trainModel({ outDir: dir, steps: 8, backend: 'wasm' });
    expect([more.resumedFrom, more.steps]).toEqual([6, 8]);
  });

  it('refuses to resume a checkpoint of another preset', async () => {
    await expect(trainModel({ outDir: path.join(tmp, 'straight'), preset: 'tiny', backend: 'wasm' })).rejects.toThrow(
      /holds a 'micro' checkpoint, not 'tiny'; choose another --out/,
    );
  });
});
