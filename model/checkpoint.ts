// Checkpoints: one directory holding the run config, tokenizer, weights, router biases, Adam
// state, the training log and the run state. Written atomically: everything goes to
// `<dir>.tmp`, then the old directory is moved aside and the new one renamed into place, so a
// crash leaves either the old or the new checkpoint (readCheckpoint recovers a half-done swap).
//   config.json          { format, version, run: RunConfig }
//   tokenizer.json       BpeTokenizer.toJSON()
//   weights.json/.bin    manifest [{ name, shape, offset }] + little-endian float32 values
//   router-biases.json   { layers: number[][] } (FFN experts then zero experts, per MoE layer)
//   optimizer.json/.bin  { step } + Adam m then v per parameter, in manifest order
//   train-log.jsonl      one JSON object per logged step / evaluation
//   state.json           { step, totalSteps, done, ... } (written last; its presence marks a whole checkpoint)
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../sim/core/index.ts';
import { validateRunConfig, type RunConfig } from './config.ts';
import type { AdamState } from './optimizer.ts';
import type { ParamMap } from './params.ts';
import { paramSpecs } from './params.ts';
import { BpeTokenizer } from './tokenizer/index.ts';
import type { MoeModel } from './transformer.ts';

export const CHECKPOINT_FORMAT = 'epsim-moe-checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface RunState {
  /** Optimizer steps completed. */
  step: number;
  /** Steps the run was asked for. */
  totalSteps: number;
  /** True once the run reached totalSteps and wrote its final evaluation. */
  done: boolean;
  backend: string;
  /** Training wall time so far, summed over resumed sessions. */
  wallSeconds: number;
  corpusHash: string;
  /** Final figures, present when done. */
  final?: Record<string, number>;
}

export interface Checkpoint {
  dir: string;
  run: RunConfig;
  tokenizer: BpeTokenizer;
  model: MoeModel;
  optimizer: AdamState;
  state: RunState;
  /** Lines of train-log.jsonl, parsed. */
  log: Record<string, unknown>[];
}

export interface ManifestEntry {
  name: string;
  shape: number[];
  /** Offset in float32 elements. */
  offset: number;
}

function packTensors(names: string[], get: (name: string) => tf.Tensor): { manifest: ManifestEntry[]; bytes: Buffer } {
  const manifest: ManifestEntry[] = [];
  let total = 0;
  for (const n of names) {
    const t = get(n);
    manifest.push({ name: n, shape: t.shape, offset: total });
    total += t.size;
  }
  const all = new Float32Array(total);
  names.forEach((n, i) => all.set(get(n).dataSync() as Float32Array, manifest[i].offset));
  return { manifest, bytes: Buffer.from(all.buffer, all.byteOffset, all.byteLength) };
}

/** Writes a complete checkpoint to `dir` atomically. */
export function writeCheckpoint(dir: string, c: Omit<Checkpoint, 'dir'>): void {
  const tmp = `${dir}.tmp`;
  const old = `${dir}.old`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const w = (file: string, data: string | Buffer) => fs.writeFileSync(path.join(tmp, file), data);
  w('config.json', JSON.stringify({ format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, run: c.run }, null, 2) + '\n');
  w('tokenizer.json', JSON.stringify(c.tokenizer.toJSON()) + '\n');
  const names = [...c.model.params.keys()];
  const weights = packTensors(names, (n) => c.model.params.get(n)!);
  w('weights.json', JSON.stringify({ dtype: 'float32', params: weights.manifest }) + '\n');
  w('weights.bin', weights.bytes);
  w('router-biases.json', JSON.stringify({ layers: c.model.routerBiases.map((b) => Array.from(b)) }) + '\n');
  const moments = packTensors(
    names.flatMap((n) => [`m:${n}`, `v:${n}`]),
    (k) => (k.startsWith('m:') ? c.optimizer.m : c.optimizer.v).get(k.slice(2))!,
  );
  w('optimizer.json', JSON.stringify({ step: c.optimizer.step, moments: moments.manifest }) + '\n');
  w('optimizer.bin', moments.bytes);
  w('train-log.jsonl', c.log.map((l) => JSON.stringify(l)).join('\n') + (c.log.length ? '\n' : ''));
  w('state.json', JSON.stringify(c.state, null, 2) + '\n');
  fs.rmSync(old, { recursive: true, force: true });
  if (fs.existsSync(dir)) fs.renameSync(dir, old);
  fs.renameSync(tmp, dir);
  fs.rmSync(old, { recursive: true, force: true });
}

/** Finishes a swap that a crash interrupted; returns whether `dir` now holds a checkpoint. */
export function recoverCheckpoint(dir: string): boolean {
  if (fs.existsSync(path.join(dir, 'state.json'))) return true;
  for (const candidate of [`${dir}.tmp`, `${dir}.old`]) {
    if (fs.existsSync(path.join(candidate, 'state.json'))) {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(candidate, dir);
      return true;
    }
  }
  return false;
}

export function hasCheckpoint(dir: string): boolean {
  return recoverCheckpoint(dir);
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new UsageError('missing checkpoint file (is this a directory written by `epsim train`?)', file);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`not valid JSON: ${(e as Error).message}`, file);
  }
}

function readFloats(file: string, expected: number): Float32Array {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    throw new UsageError('missing checkpoint file', file);
  }
  if (buf.byteLength !== expected * 4) {
    throw new UsageError(`expected ${expected * 4} bytes (${expected} float32 values), found ${buf.byteLength}`, file);
  }
  const copy = new Uint8Array(buf.byteLength);
  copy.set(buf);
  return new Float32Array(copy.buffer);
}

function unpack(file: string, manifest: ManifestEntry[], wanted: Map<string, number[]>): Map<string, tf.Tensor> {
  const total = manifest.reduce((n, e) => n + e.shape.reduce((a, b) => a * b, 1), 0);
  const values = readFloats(file, total);
  const out = new Map<string, tf.Tensor>();
  for (const [name, shape] of wanted) {
    const e = manifest.find((m) => m.name === name);
    const size = shape.reduce((a, b) => a * b, 1);
    if (!e || e.shape.join(',') !== shape.join(',')) {
      for (const t of out.values()) t.dispose();
      throw new UsageError(
        `${name}: expected shape [${shape}], found ${e ? `[${e.shape}]` : 'nothing'} (the checkpoint does not match its config.json)`,
        file,
      );
    }
    out.set(name, tf.tensor(values.subarray(e.offset, e.offset + size), shape, 'float32'));
  }
  return out;
}

/** sha256 (hex) of a checkpoint's weights.bin: names exact weights (a fine-tune records its base's). */
export function weightsSha256(dir: string): string {
  const file = path.join(dir, 'weights.bin');
  try {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    throw new UsageError('missing checkpoint file', file);
  }
}

/** The weights manifest (name, shape, offset of every parameter): cheap, no tensors. */
export function readWeightsManifest(dir: string): ManifestEntry[] {
  return (readJson(path.join(dir, 'weights.json')) as { params: ManifestEntry[] }).params;
}

/** Reads the run config only (cheap: no tensors). */
export function readCheckpointConfig(dir: string): { run: RunConfig; state: RunState } {
  if (!recoverCheckpoint(dir)) throw new UsageError('no checkpoint here (expected config.json, weights.bin, state.json ...)', dir);
  const configFile = path.join(dir, 'config.json');
  const cfg = readJson(configFile) as { format?: string; version?: number; run?: RunConfig };
  if (cfg.format !== CHECKPOINT_FORMAT) throw new UsageError(`format: expected '${CHECKPOINT_FORMAT}', found ${JSON.stringify(cfg.format)}`, configFile);
  if (cfg.version !== CHECKPOINT_VERSION) {
    throw new UsageError(`version: this epsim reads checkpoint version ${CHECKPOINT_VERSION}, found ${JSON.stringify(cfg.version)}`, configFile);
  }
  const run = validateRunConfig(cfg.run as RunConfig, configFile);
  const state = readJson(path.join(dir, 'state.json')) as RunState;
  return { run, state };
}

/** Loads a whole checkpoint into tensors (call after the backend is set). */
export function readCheckpoint(dir: string): Checkpoint {
  const { run, state } = readCheckpointConfig(dir);
  const tokFile = path.join(dir, 'tokenizer.json');
  const tokenizer = BpeTokenizer.fromJSON(readJson(tokFile), tokFile);
  if (tokenizer.vocabSize > run.model.vocabSize) {
    throw new UsageError(`vocabSize ${tokenizer.vocabSize} is larger than config.json's ${run.model.vocabSize}`, tokFile);
  }
  const specs = new Map(paramSpecs(run.model).map((s) => [s.name, s.shape]));
  const params: ParamMap = unpack(path.join(dir, 'weights.bin'), readWeightsManifest(dir), specs);
  const bFile = path.join(dir, 'router-biases.json');
  const biases = (readJson(bFile) as { layers: number[][] }).layers;
  const nExperts = run.model.ffnExperts + run.model.zeroExperts;
  if (!Array.isArray(biases) || biases.length !== run.model.layers || biases.some((b) => b.length !== nExperts)) {
    for (const t of params.values()) t.dispose();
    throw new UsageError(`layers: expected ${run.model.layers} arrays of ${nExperts} biases`, bFile);
  }
  const oFile = path.join(dir, 'optimizer.json');
  const o = readJson(oFile) as { step: number; moments: ManifestEntry[] };
  const momentShapes = new Map<string, number[]>();
  for (const [n, shape] of specs) {
    momentShapes.set(`m:${n}`, shape);
    momentShapes.set(`v:${n}`, shape);
  }
  const moments = unpack(path.join(dir, 'optimizer.bin'), o.moments, momentShapes);
  const m = new Map<string, tf.Tensor>();
  const v = new Map<string, tf.Tensor>();
  for (const [k, t] of moments) (k.startsWith('m:') ? m : v).set(k.slice(2), t);
  const logFile = path.join(dir, 'train-log.jsonl');
  const log = fs.existsSync(logFile)
    ? fs.readFileSync(logFile, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>)
    : [];
  return {
    dir,
    run,
    tokenizer,
    model: { config: run.model, params, routerBiases: biases.map((b) => Float32Array.from(b)) },
    optimizer: { step: o.step, m, v },
    state,
    log,
  };
}
