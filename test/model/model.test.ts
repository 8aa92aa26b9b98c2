// Whole-model checks on a micro config: finite gradients reaching every parameter, no leaked
// tensors across a training step and a trace run, and save -> load giving identical outputs.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../model/backend/index.ts';
import { sampleBatch } from '../../model/batches.ts';
import { readCheckpoint, writeCheckpoint } from '../../model/checkpoint.ts';
import { createAdamState, disposeAdamState } from '../../model/optimizer.ts';
import { recordTrace } from '../../model/record-trace.ts';
import { BpeTokenizer, trainBpe } from '../../model/tokenizer/index.ts';
import { computeLosses, trainStep } from '../../model/train-step.ts';
import { createModel, disposeModel, forward, type MoeModel } from '../../model/transformer.ts';
import { microConfig } from './micro-config.ts';

const run = microConfig();
const text = 'The quick brown fox jumps over the lazy dog. function add(a, b) { return a + b; }\n'.repeat(40);
let tokenizer: BpeTokenizer;
let stream: Int32Array;
let tmp: string;

beforeAll(async () => {
  await initBackend('wasm');
  tokenizer = trainBpe([text], { vocabSize: run.model.vocabSize });
  // The tokenizer may stop early on a small text; the model only needs ids below vocabSize.
  stream = Int32Array.from(tokenizer.encode(text));
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'epsim-model-'));
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function withModel<T>(f: (m: MoeModel) => T): T {
  const m = createModel(run.model, run.seed);
  try {
    return f(m);
  } finally {
    disposeModel(m);
  }
}

describe('gradients', () => {
  it('are finite and reach every parameter (router, experts, attention, embeddings, norms)', () => {
    withModel((model) => {
      const batch = sampleBatch([stream], 2, run.model.contextLength, 1, 0);
      const names = [...model.params.keys()];
      const { value, grads } = tf.tidy(() =>
        tf.valueAndGrads((...xs: tf.Tensor[]) => {
          const r = computeLosses(model, batch, run.train, { params: new Map(names.map((n, i) => [n, xs[i]])) });
          tf.dispose(Object.values(r.parts));
          return r.total;
        })(names.map((n) => model.params.get(n)!)),
      );
      expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      names.forEach((n, i) => {
        const g = grads[i].dataSync();
        expect(g.every(Number.isFinite), `${n}: finite`).toBe(true);
        expect(g.some((v) => v !== 0), `${n}: non-zero`).toBe(true);
      });
      tf.dispose([value, ...grads]);
    });
  });
});

describe('tensor leaks', () => {
  it('a training step leaves the tensor count unchanged', () => {
    withModel((model) => {
      const opt = createAdamState(model.params);
      trainStep(model, opt, sampleBatch([stream], 2, 16, 1, 0), run.train, 1e-3); // warm-up
      const before = tf.memory().numTensors;
      trainStep(model, opt, sampleBatch([stream], 2, 16, 1, 1), run.train, 1e-3);
      expect(tf.memory().numTensors).toBe(before);
      disposeAdamState(opt);
    });
  });

  it('a trace run leaves the tensor count unchanged', () => {
    withModel((model) => {
      const before = tf.memory().numTensors;
      const tokens = stream.slice(0, 40); // two full windows and a partial one
      const trace = recordTrace(model, tokenizer, { tokens, tokenDomain: new Uint8Array(40), domains: ['text'] }, { provenance: { createdBy: 'test' } });
      expect(tf.memory().numTensors).toBe(before);
      expect(trace.tokens).toBe(40);
      expect(trace.experts.length).toBe(40 * run.model.layers * run.model.topK);
      expect(trace.tokenText!.join('')).toBe(tokenizer.decode(Array.from(tokens)));
    });
  });
});

describe('checkpoints', () => {
  it('save -> load gives identical outputs, biases and optimizer state', () => {
    const dir = path.join(tmp, 'ckpt');
    withModel((model) => {
      const opt = createAdamState(model.params);
      for (let s = 0; s < 2; s++) trainStep(model, opt, sampleBatch([stream], 2, 16, 1, s), run.train, 1e-2);
      const probe = sampleBatch([stream], 2, 16, 9, 0);
      const logits = (m: MoeModel) => tf.tidy(() => forward(m, probe.inputs, 2, 16).logits!).dataSync();
      const before = logits(model);
      writeCheckpoint(dir, {
        run,
        tokenizer,
        model,
        optimizer: opt,
        state: { step: 2, totalSteps: 6, done: false, backend: 'wasm', wallSeconds: 1, corpusHash: 'x' },
        log: [{ step: 1 }, { step: 2 }],
      });
      const loaded = readCheckpoint(dir);
      expect(Array.from(logits(loaded.model))).toEqual(Array.from(before));
      expect(loaded.model.routerBiases.map((b) => Array.from(b))).toEqual(model.routerBiases.map((b) => Array.from(b)));
      expect(loaded.optimizer.step).toBe(2);
      expect(Array.from(loaded.optimizer.v.get('L0.moe.router')!.dataSync())).toEqual(Array.from(opt.v.get('L0.moe.router')!.dataSync()));
      expect(loaded.state.step).toBe(2);
      expect(loaded.log).toHaveLength(2);
      expect(loaded.tokenizer.encode(text)).toEqual(tokenizer.encode(text));
      disposeModel(loaded.model);
      disposeAdamState(loaded.optimizer);
      disposeAdamState(opt);
    });
    expect(fs.existsSync(`${dir}.tmp`)).toBe(false);
  });

  it('names the file and the problem when a checkpoint is damaged', () => {
    const dir = path.join(tmp, 'ckpt');
    fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.alloc(12));
    expect(() => readCheckpoint(dir)).toThrow(/weights\.bin: expected \d+ bytes \(\d+ float32 values\), found 12/);
    expect(() => readCheckpoint(path.join(tmp, 'nothing'))).toThrow(/no checkpoint here/);
  });
});
