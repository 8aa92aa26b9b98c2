// The default model behind `npm start`: train the `tiny` preset into runs/tiny unless a finished
// checkpoint is already there (an unfinished one is resumed), then trace it unless its trace is
// newer than the checkpoint.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BackendChoice } from './options/index.ts';
import type { RunConfig } from './config.ts';
import { hasCheckpoint, readCheckpointConfig } from './checkpoint.ts';
import { checkpointDirOf, trainModel, type TrainEvent, type TrainResult } from './train.ts';
import { traceModel, type TraceResult } from './trace-model.ts';

export interface DefaultModelOptions {
  /** Parent of the run directory (default 'runs'). */
  runsDir?: string;
  /** Preset to train (default 'tiny'). */
  preset?: string;
  /** A full run config instead of the preset (tests); its model name names the run directory. */
  config?: RunConfig;
  backend?: BackendChoice;
  /** Progress of the training run, when one happens. */
  onTrainEvent?: (event: TrainEvent) => void;
  /** One-line status messages ("training tiny...", "using the trained model in ..."). */
  log?: (line: string) => void;
}

export interface DefaultModel {
  /** Run directory (holds checkpoint/ and the trace). */
  modelDir: string;
  tracePath: string;
  /** Set when this call trained (or resumed) the model. */
  training?: TrainResult;
  /** Set when this call wrote the trace. */
  tracing?: TraceResult;
}

export async function ensureDefaultModel(options: DefaultModelOptions = {}): Promise<DefaultModel> {
  const preset = options.config?.model.name ?? options.preset ?? 'tiny';
  const modelDir = path.join(options.runsDir ?? 'runs', preset);
  const tracePath = path.join(modelDir, `${preset}.trace`);
  const log = options.log ?? (() => {});
  const ckptDir = checkpointDirOf(modelDir);
  const finished = hasCheckpoint(ckptDir) && readCheckpointConfig(ckptDir).state.done;
  let training: TrainResult | undefined;
  if (finished) {
    log(`using the trained ${preset} model in ${modelDir}`);
  } else {
    log(`training the ${preset} model into ${modelDir} (a few minutes on 2 cores; re-running resumes)`);
    training = await trainModel({
      outDir: modelDir,
      ...(options.config ? { config: options.config } : { preset }),
      backend: options.backend,
      onEvent: options.onTrainEvent,
    });
  }
  const stateFile = path.join(ckptDir, 'state.json');
  const fresh = fs.existsSync(tracePath) && fs.statSync(tracePath).mtimeMs >= fs.statSync(stateFile).mtimeMs;
  let tracing: TraceResult | undefined;
  if (fresh) {
    log(`using the routing trace ${tracePath}`);
  } else {
    log(`tracing ${preset} into ${tracePath}`);
    tracing = await traceModel({ modelDir, outFile: tracePath, backend: options.backend });
  }
  return { modelDir, tracePath, ...(training ? { training } : {}), ...(tracing ? { tracing } : {}) };
}
