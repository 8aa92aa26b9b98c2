// `epsim trace` as a function: load a checkpoint, pick the text (a file, or a seeded sample of the
// validation split across domains), record the routing and write the trace file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../sim/core/index.ts';
import { writeTrace, type RoutingTrace } from '../sim/trace/index.ts';
import { initBackend } from './backend/index.ts';
import { hasCheckpoint, readCheckpoint } from './checkpoint.ts';
import { disposeAdamState } from './optimizer.ts';
import { recordTrace } from './record-trace.ts';
import { summarizeTrace, type TraceSummary } from './trace-analysis.ts';
import { traceInputFromCorpus, traceInputFromText } from './trace-input.ts';
import { DEFAULT_TRACE_TOKENS, type BackendChoice } from './options/index.ts';
import { loadSplit } from './training-data.ts';
import { disposeModel } from './transformer.ts';

export interface TraceOptions {
  /** A run directory (holding checkpoint/) or a checkpoint directory. */
  modelDir: string;
  outFile: string;
  /** Text to trace; default: a sample of the validation split, equal tokens per domain. */
  textFile?: string;
  /** At most this many tokens (default 8192). */
  maxTokens?: number;
  /** Seed of the validation sample (default: the checkpoint's training seed). */
  seed?: number;
  backend?: BackendChoice;
}

export interface TraceResult {
  outFile: string;
  bytes: number;
  seconds: number;
  tokensPerSec: number;
  backend: string;
  trace: RoutingTrace;
  summary: TraceSummary;
}

/** The checkpoint directory inside `dir` (a run directory) or `dir` itself. */
export function resolveCheckpointDir(dir: string): string {
  const inner = path.join(dir, 'checkpoint');
  if (hasCheckpoint(inner)) return inner;
  if (hasCheckpoint(dir)) return dir;
  throw new UsageError('no checkpoint found (expected DIR/checkpoint/ or DIR/config.json written by `epsim train`)', dir);
}

export async function traceModel(opts: TraceOptions): Promise<TraceResult> {
  const maxTokens = opts.maxTokens ?? DEFAULT_TRACE_TOKENS;
  if (!(Number.isInteger(maxTokens) && maxTokens > 0)) throw new UsageError(`--max-tokens must be a positive integer; got ${maxTokens}`);
  const checkpointDir = resolveCheckpointDir(opts.modelDir);
  let text: string | undefined;
  if (opts.textFile !== undefined) {
    try {
      text = fs.readFileSync(opts.textFile, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read the text file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, opts.textFile);
    }
    if (text.length === 0) throw new UsageError('the text file is empty', opts.textFile);
  }
  const backend = await initBackend(opts.backend ?? 'auto');
  const ckpt = readCheckpoint(checkpointDir);
  disposeAdamState(ckpt.optimizer);
  try {
    const seed = opts.seed ?? ckpt.run.seed;
    const split = text === undefined ? loadSplit(ckpt.run.train.validationFraction) : undefined;
    const input =
      text !== undefined
        ? traceInputFromText(ckpt.tokenizer, text, maxTokens)
        : traceInputFromCorpus(ckpt.tokenizer, split!.validation, maxTokens, seed);
    if (input.tokens.length === 0) throw new UsageError('the text encodes to no tokens', opts.textFile ?? '');
    const t0 = performance.now();
    const notes: Record<string, string | number> = { step: ckpt.state.step };
    const final = ckpt.state.final;
    if (final) for (const [k, v] of Object.entries(final)) notes[k] = Number(v.toPrecision(6));
    const trace = recordTrace(ckpt.model, ckpt.tokenizer, input, {
      provenance: {
        createdBy: 'epsim trace',
        checkpoint: checkpointDir,
        corpus: `model/corpus sha256:${ckpt.state.corpusHash.slice(0, 16)}${text === undefined ? ' (validation split sample)' : ''}`,
        ...(opts.textFile !== undefined ? { textFile: opts.textFile } : {}),
        seed,
        notes,
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    fs.mkdirSync(path.dirname(path.resolve(opts.outFile)), { recursive: true });
    await writeTrace(opts.outFile, trace);
    return {
      outFile: opts.outFile,
      bytes: fs.statSync(opts.outFile).size,
      seconds,
      tokensPerSec: trace.tokens / seconds,
      backend: backend.name,
      trace,
      summary: summarizeTrace(trace),
    };
  } finally {
    disposeModel(ckpt.model);
  }
}
