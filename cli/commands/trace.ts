// `epsim trace --model DIR [--text FILE] --out FILE [--max-tokens N]`: runs a trained model over
// text and writes the per-token routing (chosen experts and gate weights per MoE layer) as a trace.
import type { Command } from 'commander';
import { UsageError } from '../../sim/core/index.ts';
import { BACKEND_CHOICES, DEFAULT_TRACE_TOKENS, isBackendChoice } from '../../model/options/index.ts';
import type { TraceResult } from '../../model/index.ts';
import type { CliIo } from '../index.ts';
import { parseIntOption } from './options.ts';

interface TraceCommandOptions {
  model: string;
  text?: string;
  out: string;
  maxTokens?: string;
  seed?: string;
  backend: string;
}

export function formatTraceResult(r: TraceResult): string {
  const s = r.summary;
  const m = r.trace.model;
  const f = (x: { tokens: number; ffnPerToken: number }) => `${x.ffnPerToken.toFixed(2)} (${x.tokens} tokens)`;
  const lines = [
    `wrote ${r.outFile}: ${r.trace.tokens} tokens x ${m.layers} MoE layers x top-${m.topk} ` +
      `(${m.ffnExperts} FFN + ${m.zeroExperts} zero experts), ${(r.bytes / 1024).toFixed(0)} KiB, ` +
      `${Math.round(r.tokensPerSec)} tokens/s on ${r.backend}`,
    `FFN experts per token: ${s.ffnPerTokenMean.toFixed(2)} ± ${s.ffnPerTokenStd.toFixed(2)} (std across tokens)`,
    `  punctuation/whitespace ${f(s.byClass.punctuation)}, function words ${f(s.byClass.function)}, other tokens ${f(s.byClass.other)}`,
  ];
  if (r.trace.tokenText && m.layers > 1) {
    s.byClassPerLayer.forEach((c, l) =>
      lines.push(`  layer ${l}: punctuation/whitespace ${c.punctuation.toFixed(2)}, function words ${c.function.toFixed(2)}, other ${c.other.toFixed(2)}`),
    );
  }
  const domains = Object.entries(s.byDomain);
  if (domains.length > 1) lines.push(`  by domain: ${domains.map(([d, x]) => `${d} ${f(x)}`).join(', ')}`);
  return lines.join('\n');
}

export function registerTrace(program: Command, io: CliIo): void {
  program
    .command('trace')
    .description('run a trained model over text and write its per-token routing trace')
    .requiredOption('--model <dir>', 'run directory written by `epsim train` (or its checkpoint/ directory)')
    .option('--text <file>', 'UTF-8 text to trace (default: a seeded sample of the validation split, equal share per domain)')
    .requiredOption('--out <file>', 'trace file to write')
    .option('--max-tokens <n>', `at most this many tokens (default ${DEFAULT_TRACE_TOKENS})`)
    .option('--seed <s>', "seed of the validation sample (default: the model's training seed)")
    .option('--backend <name>', `tfjs backend: ${BACKEND_CHOICES.join(' | ')}`, 'auto')
    .action(async (o: TraceCommandOptions) => {
      if (!isBackendChoice(o.backend)) throw new UsageError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}; got '${o.backend}'`);
      const maxTokens = parseIntOption('--max-tokens', o.maxTokens, 1);
      const seed = parseIntOption('--seed', o.seed, 0);
      // model/ loads TensorFlow.js: only when the command runs, not to register it.
      const { traceModel } = await import('../../model/index.ts');
      const result = await traceModel({ modelDir: o.model, outFile: o.out, textFile: o.text, maxTokens, seed, backend: o.backend });
      io.out(formatTraceResult(result) + '\n');
    });
}
