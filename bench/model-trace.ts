// Tracing throughput of the MoE model (forward pass + routing capture, no LM head): tokens/s for
// each preset on each backend, over validation text from the real corpus.
//   node bin/run-ts.js bench/model-trace.ts [--presets tiny,longcat-shape] [--backends wasm,cpu] [--tokens N]
import { initBackend } from '../model/backend/index.ts';
import type { BackendChoice } from '../model/options/index.ts';
import { presetConfig } from '../model/index.ts';
import { recordTrace } from '../model/index.ts';
import { traceInputFromCorpus } from '../model/index.ts';
import { fitTokenizer, loadSplit } from '../model/index.ts';
import { createModel, disposeModel } from '../model/index.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const presets = arg('presets', 'tiny,longcat-shape').split(',');
const backends = arg('backends', 'wasm,cpu').split(',') as BackendChoice[];
const tokens = Number(arg('tokens', '4096'));

const split = loadSplit(0.05);
console.log('preset         backend  tokens  seconds  tokens/s');
for (const name of presets) {
  const run = presetConfig(name);
  const tokenizer = fitTokenizer(split.train, run.model, { ...run.train, tokenizerSampleBytes: 600_000 });
  for (const backend of backends) {
    await initBackend(backend);
    const n = backend === 'cpu' ? Math.min(tokens, 1024) : tokens;
    const input = traceInputFromCorpus(tokenizer, split.validation, n, 1);
    const model = createModel(run.model, run.seed);
    recordTrace(model, tokenizer, { ...input, tokens: input.tokens.slice(0, 256), tokenDomain: input.tokenDomain.slice(0, 256) }, { provenance: { createdBy: 'bench' } }); // warm-up
    const t0 = performance.now();
    const trace = recordTrace(model, tokenizer, input, { provenance: { createdBy: 'bench' } });
    const s = (performance.now() - t0) / 1000;
    console.log(`${name.padEnd(14)} ${backend.padEnd(8)} ${String(trace.tokens).padStart(6)}  ${s.toFixed(2).padStart(7)}  ${(trace.tokens / s).toFixed(0).padStart(8)}`);
    disposeModel(model);
  }
}
