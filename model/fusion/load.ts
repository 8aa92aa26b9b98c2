// Reading checkpoints for fusion and comparison: a cheap look (config, tensor shapes from the
// weights manifest, tokenizer text, origin) to check compatibility before any tensor is made, and
// the weights as plain Float32Arrays for the pure fusion steps.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../../sim/core/index.ts';
import { readCheckpointConfig, readWeightsManifest, weightsSha256, type RunState } from '../index.ts';
import type { RunConfig } from '../index.ts';
import type { ParamMap } from '../index.ts';
import { resolveCheckpointDir } from '../index.ts';
import { checkCompatible, type FusionCandidate } from './compatibility.ts';

export interface CheckpointLook extends FusionCandidate {
  run: RunConfig;
  state: RunState;
  weightsSha256: string;
}

/** Config, shapes and tokenizer of the checkpoint in `dir` (a run directory or a checkpoint directory). */
export function lookAtCheckpoint(dir: string): CheckpointLook {
  const ckpt = resolveCheckpointDir(dir);
  const { run, state } = readCheckpointConfig(ckpt);
  const manifest = readWeightsManifest(ckpt);
  const tokenizerFile = path.join(ckpt, 'tokenizer.json');
  let tokenizer: string;
  try {
    tokenizer = fs.readFileSync(tokenizerFile, 'utf8');
  } catch {
    throw new UsageError('missing checkpoint file', tokenizerFile);
  }
  return {
    dir: ckpt,
    config: run.model,
    shapes: new Map(manifest.map((m) => [m.name, m.shape])),
    tokenizer,
    run,
    state,
    weightsSha256: weightsSha256(ckpt),
  };
}

/** Looks at the base and the others and refuses (CheckpointMismatchError) unless all match. */
export function lookAtCompatible(baseDir: string, otherDirs: readonly string[]): { base: CheckpointLook; others: CheckpointLook[] } {
  const base = lookAtCheckpoint(baseDir);
  const others = otherDirs.map(lookAtCheckpoint);
  checkCompatible(base, others);
  return { base, others };
}

/** The parameters as Float32Arrays (copies), in the map's order. */
export function paramArrays(params: ParamMap): Map<string, Float32Array> {
  return new Map([...params].map(([name, t]) => [name, Float32Array.from(t.dataSync() as Float32Array)]));
}

/** The run directory's name, for labels: runs/tiny-code/checkpoint -> tiny-code. */
export function runName(checkpointDir: string): string {
  const d = path.basename(checkpointDir) === 'checkpoint' ? path.dirname(checkpointDir) : checkpointDir;
  return path.basename(path.resolve(d));
}
