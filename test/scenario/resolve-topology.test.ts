// The object forms of `topology:` in a scenario: a preset with another node count, and a whole
// topology inline; their mistakes at the scenario file's line:col.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gpuCount } from '../../sim/hardware/topology.ts';
import { loadTopology } from '../../sim/hardware/load-topology.ts';
import { resolveScenarioText } from '../../sim/scenario/load.ts';
import { withNodes } from '../../sim/scenario/resolve-topology.ts';
import { scenarioMessages } from '../helpers/scenario-messages.ts';
import { tinyDecodeScenario } from '../helpers/tiny-scenario.ts';

const scenario = (topology: string, ep = 16) => tinyDecodeScenario(topology, `  ep: ${ep}`);
const messages = scenarioMessages;

/** topologies/h800-2node.yaml inlined under `topology:`, comments dropped, with `edit` applied. */
function inline(edit: (yaml: string) => string = (y) => y): string {
  const body = readFileSync('topologies/h800-2node.yaml', 'utf8')
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, ''))
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => `  ${l}`)
    .join('\n');
  return edit(`topology:\n${body}`);
}

describe('topology: { preset, nodes }', () => {
  it('takes the preset with its node count replaced and says so in the name', async () => {
    const s = await resolveScenarioText(scenario('topology: { preset: h800-16node, nodes: 18 }'), 'x.yaml');
    expect(gpuCount(s.topology)).toBe(144);
    expect(s.topology.name).toBe('h800-16node[18 nodes]');
    expect(s.topology.source).toBe('topologies/h800-16node.yaml with nodes: 18');
    expect(s.topology.nic).toEqual(loadTopology('h800-16node').nic);
  });

  it('drops the switch tiers the new size no longer fills, and keeps those it does', () => {
    const big = loadTopology('h800-1024gpu');
    expect(big.tiers.map((t) => t.nodesPerSwitch)).toEqual([32]);
    expect(withNodes(big, 24)).toMatchObject({ name: 'h800-1024gpu[24 nodes, without the leaf tier]', nodes: 24, tiers: [] });
    expect(withNodes(big, 64).tiers).toEqual(big.tiers);
    expect(withNodes(big, 32).tiers).toEqual([]); // one leaf would hold the whole cluster
    expect(withNodes(big, 96).name).toBe('h800-1024gpu[96 nodes]');
  });

  it('reports an unknown preset, a path, a bad node count and an extra key at their line:col', async () => {
    expect(await messages(scenario('topology: { preset: h800-16nod, nodes: 18 }'))).toEqual([
      expect.stringMatching(/^bad\.yaml:4:13: topology\.preset: unknown topology preset "h800-16nod" \(did you mean "h800-16node"\?\); available presets: .*h800-16node/),
    ]);
    expect((await messages(scenario('topology: { preset: topologies/h800-2node.yaml, nodes: 2 }')))[0]).toMatch(/^bad\.yaml:4:13: topology\.preset: must be a preset name, not a path/);
    expect(await messages(scenario('topology:\n  preset: h800-2node\n  nodes: 0\n  gpus: 8'))).toEqual([
      'bad.yaml:6:3: topology.nodes: must be > 0; got 0',
      'bad.yaml:7:3: topology.gpus: unknown field "gpus"; expected one of: preset, nodes',
    ]);
  });

  it('checks the layout against the resized cluster', async () => {
    expect(await messages(scenario('topology: { preset: h800-2node, nodes: 3 }', 16))).toEqual([
      'bad.yaml:6:3: parallel.ep: must divide the number of GPUs (24 in h800-2node[3 nodes]); got 16',
    ]);
  });
});

describe('topology: inline', () => {
  it('runs on a whole topology written in the scenario', async () => {
    const s = await resolveScenarioText(scenario(inline((y) => y.replace('name: h800-2node', 'name: my-cluster'))), 'mine.yaml');
    expect(s.topology.name).toBe('my-cluster');
    expect(s.topology.source).toBe('mine.yaml (topology inline)');
    expect(gpuCount(s.topology)).toBe(16);
    const preset = loadTopology('h800-2node');
    // The same cluster; only the exchange kernels are resolved for the phase (decode: deepep-ll).
    expect({ ...s.topology, name: preset.name, source: preset.source, comm: preset.comm }).toEqual(preset);
    expect(s.topology.comm).toEqual({ ...preset.comm, allToAll: 'deepep-ll', intraNode: 'nvlink' });
  });

  it('reports its mistakes at the scenario file\'s line:col, with the other problems, sorted', async () => {
    const text = scenario(inline((y) => y.replace('    sms: 132', '    smss: 132').replace('    achieved: 50', '    achieved: 60')), 16).replace(
      'trace: traces/tiny.trace',
      'trace: traces/none.trace',
    );
    const lines = text.split('\n');
    const at = (needle: string) => `${lines.findIndex((l) => l.includes(needle)) + 1}:${lines.find((l) => l.includes(needle))!.search(/\S/) + 1}`;
    const got = await messages(text);
    expect(got).toEqual([
      expect.stringMatching(/^bad\.yaml:3:1: trace: no trace file "traces\/none\.trace"/),
      `bad.yaml:${at('  gpu:')}: topology.gpu.sms: missing required field (expected number)`,
      `bad.yaml:${at('smss')}: topology.gpu.smss: unknown field "smss"; expected one of: name, sms, memoryGB, hbmGBps, bf16Tflops, fp8Tflops, launchOverheadUs (did you mean "sms"?)`,
    ]);
    // Rules across keys come once the schema is satisfied.
    const ruleText = scenario(inline((y) => y.replace('    achieved: 50', '    achieved: 60')));
    const ruleLines = ruleText.split('\n');
    const row = ruleLines.findIndex((l) => l.includes('achieved: 60'));
    expect(await messages(ruleText)).toEqual([`bad.yaml:${row + 1}:${ruleLines[row]!.search(/\S/) + 1}: topology.nic.bandwidthGBps.achieved: must not exceed peak (50); got 60`]);
  });

  it('refuses a value that is neither a name nor a mapping', async () => {
    expect(await messages(scenario('topology: 3'))).toEqual([
      'bad.yaml:4:1: topology: expected a preset name, a topology file path, { preset: NAME, nodes: N } or a whole topology mapping; got 3',
    ]);
  });
});
