// Scenarios composed key by key from the schema's vocabulary (phases, models, routings, presets,
// layouts, schedules) with sizes at and around their edges: where mutation mostly breaks a file,
// these mostly validate, so they probe the cross-key rules, the work bounds and the checks a run
// makes after them (a tp the heads cannot split by, a top-k above the experts).
import fc from 'fast-check';

const SIZES = [1, 2, 3, 4, 7, 8, 16, 32, 64, 128, 256, 1024, 4096, 131072];
/** Mostly sizes that fit the presets (so most cases validate), sometimes any edge. */
const size = (plausible: number[]) => fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...plausible.map((v) => SIZES.indexOf(v))) }, { weight: 1, arbitrary: fc.nat(SIZES.length - 1) });

export interface ComposedScenario {
  phase: number;
  model: number;
  routing: number;
  topology: number;
  ep: number;
  tp: number;
  dp: number | null;
  placement: number;
  redundant: number;
  batch: number;
  context: number;
  extra: [number, number, number];
  schedules: number[];
  network: number;
  commSms: number | null;
}

export const composedScenario: fc.Arbitrary<ComposedScenario> = fc.record({
  phase: fc.nat(3),
  model: fc.constantFrom(0, 0, 1, 1, 2, 2, 3),
  routing: fc.constantFrom(0, 1, 1, 2),
  topology: fc.constantFrom(0, 0, 1, 1, 1, 2, 3, 4, 5),
  /** >= 0: the topology's GPUs / 2^ep (a divisor); < 0: the edge size SIZES[-ep - 1]. */
  ep: fc.oneof({ weight: 6, arbitrary: fc.nat(4) }, { weight: 1, arbitrary: fc.integer({ min: -SIZES.length, max: -1 }) }),
  tp: fc.constantFrom(1, 1, 1, 1, 2, 4, 8),
  dp: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat(SIZES.length - 1) }),
  placement: fc.constantFrom(0, 0, 0, 1),
  redundant: fc.constantFrom(0, 0, 1, 8, 32, 4096),
  batch: size([1, 4, 16, 64]),
  context: size([16, 128, 1024]),
  extra: fc.tuple(size([1, 2, 8, 64]), size([1, 2, 4, 8]), size([8, 32, 256])),
  schedules: fc.oneof({ weight: 4, arbitrary: fc.uniqueArray(fc.nat(5), { maxLength: 3 }) }, { weight: 1, arbitrary: fc.array(fc.nat(5), { maxLength: 3 }) }),
  network: fc.nat(3),
  commSms: fc.option(fc.constantFrom(0, 1, 24, 131, 132), { nil: null }),
});

const PHASES = ['decode', 'prefill', 'train', 'a2a'];
const MODELS = ['longcat-flash', 'deepseek-v3', 'traced', null];
const ROUTINGS = ['trace', 'uniform', 'random'];
const TOPOLOGIES = ['h800-1node', 'h800-2node', 'h800-16node', 'h800-32node', 'h800-1024gpu', 'h100-16node'];
const GPUS = [8, 16, 128, 256, 1024, 128];
const SCHEDULES = ['serial', 'shared-overlap', 'tbo', 'scmoe-sbo', 'scmoe-chunked', 'a2a'];

export function composeScenario(c: ComposedScenario): string {
  const phase = PHASES[c.phase]!;
  const model = MODELS[c.model];
  const size = (i: number) => SIZES[i]!;
  const lines = [`name: composed`];
  if (model && phase !== 'a2a') lines.push(`model: ${model}`);
  lines.push(`routing: ${ROUTINGS[c.routing]}`);
  if (ROUTINGS[c.routing] === 'trace' || model === 'traced') lines.push(model === 'traced' ? 'trace: traces/tiny.trace' : 'trace: traces/longcat-shape.trace\ntraceMapping: fit');
  lines.push(`topology: ${TOPOLOGIES[c.topology]}`);
  const attention = [c.dp === null ? '' : `dp: ${size(c.dp)}`, `tp: ${c.tp}`].filter(Boolean).join(', ');
  const ep = c.ep >= 0 ? Math.max(1, GPUS[c.topology]! >> c.ep) : SIZES[-c.ep - 1]!;
  lines.push(`parallel: { ep: ${ep}, attention: { ${attention} }, placement: ${c.placement ? 'load-aware' : 'contiguous'}, redundantExperts: ${c.placement ? c.redundant : 0} }`);
  const [a, b, d] = c.extra.map(size) as [number, number, number];
  const workload = {
    decode: `{ phase: decode, sequencesPerGpu: ${size(c.batch)}, contextTokens: ${size(c.context) * 8}${a < 8 ? `, mtp: { draftTokens: ${Math.min(a, 16)}, acceptance: 0.7 }` : ''} }`,
    prefill: `{ phase: prefill, tokensPerGpu: ${size(c.batch)} }`,
    train: `{ phase: train, tokensPerMicrobatch: ${size(c.batch)}, chunks: ${Math.min(a, 64)}, gradientAccumulation: ${b}, pipelineStages: ${Math.min(d, 1024)} }`,
    a2a: `{ phase: a2a, tokensPerGpu: ${size(c.batch)}, hidden: ${Math.min(a * 64, 65536)}, topk: ${Math.min(b, 64)}, experts: ${Math.min(d, 65536)} }`,
  }[phase]!;
  lines.push(`workload: ${workload}`);
  if (c.schedules.length > 0) lines.push(`schedules: [${c.schedules.map((s) => SCHEDULES[s]).join(', ')}]`);
  if (c.network > 0) lines.push(`network: { allToAll: ${c.network === 1 ? 'direct' : 'two-hop'}${c.network === 3 ? ', recomputeFraction: 0' : ''} }`);
  if (c.commSms !== null) lines.push(`commSms: ${c.commSms}`);
  return `${lines.join('\n')}\n`;
}
