// `epsim import-trace DUMP.csv --ffn-experts N [--zero-experts Z] --out FILE.trace`: converts a
// per-token expert-id dump from another system into an epsim trace (format in sim/trace/FORMAT.md).
import { readInputText, UsageError } from '../../sim/core/index.ts';
import { importDump } from '../../sim/trace/index.ts';
import { writeTrace } from '../../sim/trace/index.ts';
import type { RegisterCommand } from './index.ts';

interface ImportTraceFlags {
  ffnExperts: string;
  zeroExperts?: string;
  name: string;
  out: string;
}

export const registerImportTrace: RegisterCommand = (program, io) => {
  program
    .command('import-trace')
    .description('convert a per-token expert-id dump (CSV) into an epsim routing trace')
    .argument('<dump>', 'CSV with a header token,layer,e0,...,e{k-1}[,g0,...,g{k-1}], one row per token per layer')
    .requiredOption('--ffn-experts <n>', 'number of FFN experts; ids >= n are zero-computation experts')
    .option('--zero-experts <n>', 'number of zero-computation experts (default: enough for the largest id)')
    .option('--name <name>', 'model name stored in the trace', 'imported')
    .requiredOption('--out <file>', 'trace file to write')
    .action(async (dump: string, flags: ImportTraceFlags) => {
      const ffnExperts = parseInteger(flags.ffnExperts, '--ffn-experts', 1);
      const zeroExperts = flags.zeroExperts === undefined ? undefined : parseInteger(flags.zeroExperts, '--zero-experts', 0);
      const text = readInputText(dump, 'csv', { label: 'the dump' });
      const trace = importDump(text, dump, { ffnExperts, zeroExperts, name: flags.name });
      await writeTrace(flags.out, trace);
      const m = trace.model;
      io.out(
        `wrote ${flags.out}: ${trace.tokens} tokens × ${m.layers} layers × top-${m.topk} ` +
          `(${trace.experts.length} decisions), ${m.ffnExperts} FFN + ${m.zeroExperts} zero experts\n`,
      );
    });
};

function parseInteger(text: string, flag: string, min: number): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`${flag}: expected an integer >= ${min}; got "${text}"`);
  }
  return value;
}
