// DeepEP's kernels as epsim predicts them, the figures of the README's "DeepEP kernels side by
// side": the normal (two-hop) kernels' bottleneck bandwidths at EP 8-64 on h800-16node (4,096
// tokens per GPU, hidden 7,168, top-8 of 256, FP8 dispatch, BF16 combine, 24 SMs) on both network
// models, and the low-latency kernels' times at EP 8-256 for 128 tokens per GPU on
// { preset: h800, nodes: 32 }, with same-node peers over NVLink and over RDMA.
// Usage: node bin/run-ts.js bench/deepep.ts
import { resolveScenarioText } from '../sim/scenario/index.ts';
import { simulateStep } from '../sim/step/index.ts';

const a2a = (topology: string, ep: number, tokens: number, network: string) =>
  `name: deepep\nrouting: random\ntopology: ${topology}\nparallel: { ep: ${ep} }\n` +
  `workload: { phase: a2a, tokensPerGpu: ${tokens}, hidden: 7168, topk: 8, experts: 256 }\n` +
  `precision: { dispatch: fp8, combine: bf16 }\ncommSms: 24\nnetwork: ${network}\nseed: 1\n`;
const run = async (text: string) => simulateStep((await resolveScenarioText(text, 'deepep.yaml')).input, 'a2a').metrics;

console.log('normal kernels, GB/s as DeepEP counts it (fluid / flow)');
for (const ep of [8, 16, 32, 64]) {
  const f = await run(a2a('h800-16node', ep, 4096, '{ allToAll: deepep-normal, model: fluid }'));
  const w = await run(a2a('h800-16node', ep, 4096, '{ allToAll: deepep-normal, model: flow }'));
  console.log(`  EP ${String(ep).padStart(3)}: dispatch ${f.dispatchGBps} / ${w.dispatchGBps}, combine ${f.combineGBps} / ${w.combineGBps}`);
}
console.log('low-latency kernels, µs per kernel (intraNode nvlink / rdma, fluid)');
for (const ep of [8, 16, 32, 64, 128, 256]) {
  const nv = await run(a2a('{ preset: h800, nodes: 32 }', ep, 128, '{ allToAll: deepep-ll, intraNode: nvlink }'));
  const rd = await run(a2a('{ preset: h800, nodes: 32 }', ep, 128, '{ allToAll: deepep-ll, intraNode: rdma }'));
  console.log(`  EP ${String(ep).padStart(3)}: dispatch ${nv.dispatchUs} / ${rd.dispatchUs}, combine ${nv.combineUs} / ${rd.combineUs}`);
}
