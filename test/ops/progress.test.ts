// Progress of long steps: execute reports every `progressEvery` finished ops, counting in order,
// without changing the timeline; simulateStep reports building, then simulating up to its graph's size.
import { describe, expect, it } from 'vitest';
import { executeOptionsFor } from '../../sim/network/cluster.ts';
import { execute } from '../../sim/ops/execute.ts';
import { OpGraph } from '../../sim/ops/op-graph.ts';
import { resolveScenarioText } from '../../sim/scenario/index.ts';
import { simulateStep, type StepProgress } from '../../sim/step/index.ts';
import { toyTopology } from '../helpers/toy-topology.ts';
import { tinyDecodeScenario } from '../helpers/tiny-scenario.ts';

describe('progress', () => {
  it('execute reports every progressEvery finished ops, and the timeline is the same with or without it', () => {
    const g = new OpGraph();
    let last = -1;
    for (let i = 0; i < 10; i++) last = g.compute({ name: `op${i}`, kind: 'x', gpu: i % 2, stream: 'compute', workNs: 10 + i, deps: last >= 0 && i % 3 === 0 ? [last] : [] });
    const calls: [number, number][] = [];
    const timed = execute(g, { ...executeOptionsFor(toyTopology()), onProgress: (done, total) => calls.push([done, total]), progressEvery: 3 });
    expect(calls).toEqual([[3, 10], [6, 10], [9, 10]]);
    expect(timed).toEqual(execute(g, executeOptionsFor(toyTopology())));
  });

  it('simulateStep says it builds, then simulates its graph op by op, with the same result', async () => {
    const scenario = await resolveScenarioText(tinyDecodeScenario('topology: h800-1node', '  ep: 8\n  attention: { dp: 8, tp: 1 }'), 'small.yaml');
    const steps: StepProgress[] = [];
    const result = simulateStep(scenario.input, 'serial', { onProgress: (p) => steps.push(p) });
    expect(steps[0]).toEqual({ stage: 'build', done: 0, total: 0 });
    const ops = result.timeline.stats.ops;
    expect(steps[1]).toEqual({ stage: 'simulate', done: 0, total: ops });
    expect(steps.slice(2).map((s) => s.done)).toEqual(Array.from({ length: Math.floor(ops / 8192) }, (_, i) => 8192 * (i + 1)));
    expect(result).toEqual(simulateStep(scenario.input, 'serial'));
  });
});
