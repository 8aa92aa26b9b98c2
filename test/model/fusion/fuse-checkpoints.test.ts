// End to end on the real corpus with a micro config: a base, two domain fine-tunes
// (`epsim train --from --domain`), fusion into a checkpoint that loads, evaluates (`fuse-eval`) and
// traces (`epsim trace`); a model fused with itself; determinism; mismatched checkpoints refused.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../../cli/main.ts';
import { readCheckpoint, readCheckpointConfig, weightsSha256, writeCheckpoint } from '../../../model/checkpoint.ts';
import { compareModels } from '../../../model/fusion/compare-models.ts';
import { CheckpointMismatchError } from '../../../model/fusion/compatibility.ts';
import { fuseCheckpoints } from '../../../model/fusion/fuse-checkpoints.ts';
import { createAdamState } from '../../../model/optimizer.ts';
import { trainModel, type TrainEvent } from '../../../model/train.ts';
import { createModel } from '../../../model/transformer.ts';
import { readTrace } from '../../../sim/trace/index.ts';
import { microConfig } from '../micro-config.ts';

function capture(): CliIo & { text: () => string } {
  let out = '';
  return { out: (t) => (out += t), err: (t) => (out += t), text: () => out };
}

let tmp: string;
const dir = (name: string) => path.join(tmp, name);
const ckpt = (name: string) => path.join(tmp, name, 'checkpoint');
const file = (name: string, f: string) => fs.readFileSync(path.join(ckpt(name), f));
const starts = new Map<string, Extract<TrainEvent, { type: 'start' }>>();

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'epsim-fusion-'));
  const onStart = (name: string) => (e: TrainEvent) => {
    if (e.type === 'start') starts.set(name, e);
  };
  await trainModel({ outDir: dir('base'), config: microConfig({ train: { steps: 3 } }), backend: 'wasm', onEvent: onStart('base') });
  for (const domain of ['prose', 'code']) {
    await trainModel({ outDir: dir(domain), from: dir('base'), domain, steps: 2, backend: 'wasm', onEvent: onStart(domain) });
  }
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('trainModel({ from, domain }) (epsim train --from BASE --domain NAME)', () => {
  it('records its base and domain, trains on that domain only, at a third of the base learning rate', () => {
    const base = readCheckpointConfig(ckpt('base')).run;
    const { run, state } = readCheckpointConfig(ckpt('code'));
    expect(run.origin).toEqual({ kind: 'fine-tune', base: ckpt('base'), baseStep: 3, baseWeightsSha256: weightsSha256(ckpt('base')), domain: 'code' });
    expect(run.train.domain).toBe('code');
    expect(run.train.learningRate).toBeCloseTo(base.train.learningRate / 3, 12);
    expect(run.train.steps).toBe(2);
    expect([state.step, state.done]).toEqual([2, true]);
    expect(run.model).toEqual(base.model);
    expect(file('code', 'tokenizer.json').equals(file('base', 'tokenizer.json'))).toBe(true);
    // One domain's stream and windows instead of three.
    expect(starts.get('code')!.trainTokens).toBeLessThan(starts.get('base')!.trainTokens);
    expect(starts.get('code')!.validationTokens).toBe(starts.get('base')!.validationTokens);
  });

  it('refuses to continue a fine-tune on another domain in the same directory', async () => {
    await expect(trainModel({ outDir: dir('code'), from: dir('base'), domain: 'prose', backend: 'wasm' })).rejects.toThrow(
      /holds a fine-tune on code, not on prose; choose another --out/,
    );
  });

  it.each([
    [['train', '--domain', 'code'], 'error: --domain needs --from BASE_DIR (the checkpoint to fine-tune)'],
    [['train', '--from', 'runs/x', '--domain', 'poetry'], "error: --domain must be one of speech, prose, code; got 'poetry'"],
    [['train', '--from', 'runs/x'], 'error: --from needs --domain (speech, prose, code)'],
    [['train', '--from', 'runs/x', '--domain', 'code', '--preset', 'tiny'], 'error: --from fine-tunes the base with its own config; drop --preset'],
  ])('%j is a usage error', async (argv, message) => {
    const io = capture();
    expect(await main(argv, io)).toBe(2);
    expect(io.text()).toBe(message + '\n');
  });
});

describe('fuseCheckpoints() (epsim fuse)', () => {
  it('writes a checkpoint that records its recipe, loads, evaluates and traces', async () => {
    const r = await fuseCheckpoints({
      baseDir: dir('base'),
      expertDirs: [dir('prose'), dir('code')],
      outDir: dir('fused'),
      recipe: { dropRate: 0.3, erase: true, recalibrationSteps: 2 },
      backend: 'wasm',
    });
    expect(r.experts.map((e) => [e.domain, e.weight])).toEqual([
      ['prose', 0.5],
      ['code', 0.5],
    ]);
    expect(r.dropped / (2 * r.entries)).toBeCloseTo(0.3, 1);
    expect(r.erased).toBeGreaterThan(0);
    expect(r.recalibration?.steps).toBe(2);

    const { run, state } = readCheckpointConfig(ckpt('fused'));
    expect(run.origin).toMatchObject({
      kind: 'fusion',
      base: ckpt('base'),
      baseWeightsSha256: weightsSha256(ckpt('base')),
      experts: [
        { dir: ckpt('prose'), domain: 'prose', weight: 0.5 },
        { dir: ckpt('code'), domain: 'code', weight: 0.5 },
      ],
      recipe: { normalize: true, weights: 'uniform', dropRate: 0.3, erase: true, eraseMean: 'survivors', signElection: 'count', seed: 1, routerBiases: 'recalibrate', recalibrationSteps: 2 },
    });
    expect(run.train.domain).toBeUndefined();
    expect([state.step, state.done]).toEqual([0, true]);
    const loaded = readCheckpoint(ckpt('fused'));
    expect(loaded.model.params.get('L0.moe.router')!.shape).toEqual([16, 12]);
    for (const t of [...loaded.model.params.values(), ...loaded.optimizer.m.values(), ...loaded.optimizer.v.values()]) t.dispose();

    const io = capture();
    const traceFile = path.join(tmp, 'fused.trace');
    expect(await main(['trace', '--model', dir('fused'), '--out', traceFile, '--max-tokens', '120', '--backend', 'wasm'], io)).toBe(0);
    const trace = await readTrace(traceFile);
    expect(trace.tokens).toBe(120);
    expect(trace.model.name).toBe('micro');
    expect(trace.provenance.checkpoint).toBe(ckpt('fused'));
  });

  it('is deterministic for a seed', async () => {
    const recipe = { dropRate: 0.3, erase: true, routerBiases: 'average' as const, seed: 5 };
    for (const out of ['det-a', 'det-b']) {
      await fuseCheckpoints({ baseDir: dir('base'), expertDirs: [dir('prose'), dir('code')], outDir: dir(out), recipe, backend: 'wasm' });
    }
    expect(file('det-a', 'weights.bin').equals(file('det-b', 'weights.bin'))).toBe(true);
    expect(file('det-a', 'router-biases.json').equals(file('det-b', 'router-biases.json'))).toBe(true);
    expect(file('det-a', 'weights.bin').equals(file('fused', 'weights.bin'))).toBe(false);
  });

  it('returns the model itself when it is fused with itself, every step on', async () => {
    const recipe = { dropRate: 0.5, erase: true, routerBiases: 'average' as const };
    await fuseCheckpoints({ baseDir: dir('code'), expertDirs: [dir('code'), dir('code')], outDir: dir('self'), recipe, backend: 'wasm' });
    expect(file('self', 'weights.bin').equals(file('code', 'weights.bin'))).toBe(true);
    expect(file('self', 'router-biases.json').equals(file('code', 'router-biases.json'))).toBe(true);
  });

  it('weights by performance: each expert by its validation gain on its own domain', async () => {
    const r = await fuseCheckpoints({
      baseDir: dir('base'),
      expertDirs: [dir('prose'), dir('code')],
      outDir: dir('perf'),
      recipe: { weights: 'performance', routerBiases: 'base' },
      backend: 'wasm',
    });
    expect(r.experts.every((e) => Number.isFinite(e.gain))).toBe(true);
    expect(r.experts.reduce((s, e) => s + e.weight, 0)).toBeCloseTo(1, 12);
    const gains = r.experts.map((e) => Math.max(0, e.gain!));
    if (gains[0] + gains[1] > 0) expect(r.experts[0].weight).toBeCloseTo(gains[0] / (gains[0] + gains[1]), 12);
    await expect(
      fuseCheckpoints({ baseDir: dir('base'), expertDirs: [dir('base')], outDir: dir('perf2'), recipe: { weights: 'performance' }, backend: 'wasm' }),
    ).rejects.toThrow(/--weights performance needs domain experts .*no domain: .*base/);
  });

  it('refuses a checkpoint of another shape, naming the tensor (a UserInputError: exit 2, no stack trace)', async () => {
    const base = readCheckpoint(ckpt('base'));
    const config = microConfig({ model: { ffnExperts: 16, name: 'micro' } });
    const model = createModel(config.model, 1);
    writeCheckpoint(ckpt('wide'), {
      run: config,
      tokenizer: base.tokenizer,
      model,
      optimizer: createAdamState(model.params),
      state: { step: 0, totalSteps: 1, done: true, backend: 'wasm', wallSeconds: 0, corpusHash: '' },
      log: [],
    });
    await expect(fuseCheckpoints({ baseDir: dir('base'), expertDirs: [dir('code'), dir('wide')], outDir: dir('bad') })).rejects.toBeInstanceOf(
      CheckpointMismatchError,
    );
    const io = capture();
    expect(await main(['fuse', '--base', dir('base'), '--experts', `${dir('code')},${dir('wide')}`, '--out', dir('bad')], io)).toBe(2);
    const text = io.text();
    expect(text).toContain(`error: ${ckpt('wide')}: model.ffnExperts: 16 differs from the base's 8 (${ckpt('base')})\n`);
    expect(text).toContain(`error: ${ckpt('wide')}: L0.moe.router: shape [16, 20] differs from the base's [16, 12] (${ckpt('base')})\n`);
    expect(text).toContain(`error: ${ckpt('wide')}: L0.moe.w1: shape [16, 8, 16] differs from the base's [8, 8, 16] (${ckpt('base')})\n`);
    expect(text).not.toMatch(/internal error|at .*\.ts:\d+/);
    expect(fs.existsSync(ckpt('bad'))).toBe(false);
    for (const t of [...base.model.params.values(), ...base.optimizer.m.values(), ...base.optimizer.v.values()]) t.dispose();
  });

  it.each([
    [['fuse', '--base', 'b', '--experts', 'e', '--out', 'o', '--drop-rate', '1'], "error: --drop-rate must be a number in [0, 1); got '1'"],
    [['fuse', '--base', 'b', '--experts', 'e', '--out', 'o', '--weights', 'best'], "error: --weights must be one of uniform, performance; got 'best'"],
    [['fuse', '--base', 'b', '--experts', ',', '--out', 'o'], "error: --experts needs at least one directory; got ','"],
  ])('%j is a usage error', async (argv, message) => {
    const io = capture();
    expect(await main(argv, io)).toBe(2);
    expect(io.text()).toBe(message + '\n');
  });
});

describe('epsim fuse / epsim fuse-eval', () => {
  it('fuse prints what it did; fuse-eval prints loss and routing per domain and the fused model against the plain average', async () => {
    const io = capture();
    const argv = ['fuse', '--base', dir('base'), '--experts', `${dir('prose')},${dir('code')}`, '--out', dir('avg'), '--no-normalize', '--router-biases', 'average'];
    expect(await main([...argv, '--backend', 'wasm'], io)).toBe(0);
    expect(io.text()).toMatch(/^fused 2 experts into .*avg\/checkpoint in [\d.]+ s: plain task-vector average, uniform weights, average biases\n/);
    expect(io.text()).toContain(`  prose: weight 0.500  ${ckpt('prose')}\n  code: weight 0.500  ${ckpt('code')}\n`);
    expect(io.text()).toMatch(/parameters; task-vector entries dropped 0\.0%, erased 0\.0%\n$/);

    const evalIo = capture();
    const json = path.join(tmp, 'compare.json');
    const evalArgv = ['fuse-eval', '--base', dir('base'), '--experts', `${dir('prose')},${dir('code')}`, '--models', `${dir('avg')},${dir('fused')}`];
    expect(await main([...evalArgv, '--sequences', '6', '--json', json, '--backend', 'wasm'], evalIo)).toBe(0);
    const out = evalIo.text();
    expect(out).toContain('| model | speech | prose | code | mean |');
    for (const label of ['base', 'prose expert', 'code expert', 'avg', 'fused']) expect(out).toMatch(new RegExp(`^\\| ${label} \\| \\d+\\.\\d{3} \\|`, 'm'));
    expect(out).toMatch(/^\| fused \| code \| \d\.\d\d ± \d\.\d\d \| \d+\.\d\d \| \d\.\d\d \| \d\.\d\d \|$/m);
    expect(out).toMatch(/^\| base \| speech \| .* \| 1\.00 \| - \|$/m);
    expect(out).toMatch(/^fused - avg \(loss, nats\/token; negative = fused better\): speech [+-]\d\.\d{4}, prose [+-]\d\.\d{4}, code [+-]\d\.\d{4}, mean [+-]\d\.\d{4}$/m);
    const saved = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(saved.models.map((m: { label: string; role: string; plainAverage: boolean }) => [m.label, m.role, m.plainAverage])).toEqual([
      ['base', 'base', false],
      ['prose expert', 'expert', false],
      ['code expert', 'expert', false],
      ['avg', 'fused', true],
      ['fused', 'fused', false],
    ]);
    expect(saved.tokensPerDomain).toBe(6 * 16);
  });

  it('compareModels() scores every model on the same windows: the base overlaps itself fully', async () => {
    const c = await compareModels({ baseDir: dir('base'), expertDirs: [dir('code')], sequencesPerDomain: 4, topExperts: 2, backend: 'wasm' });
    expect(c.domains).toEqual(['speech', 'prose', 'code']);
    const [base, code] = c.models;
    for (const d of c.domains) expect(base.byDomain[d].overlapBase).toBe(1);
    expect(code.byDomain.code.overlapExpert).toBe(1);
    expect(Number.isNaN(code.byDomain.speech.overlapExpert)).toBe(true);
    expect(base.byDomain.code.overlapExpert).toBe(code.byDomain.code.overlapBase);
  });
});
