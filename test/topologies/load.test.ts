import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gpuCount } from '../../sim/hardware/topology.ts';
import { formatIssue, UserInputError } from '../../sim/core/errors.ts';
import { listPresets, loadTopology, parseTopology } from '../../sim/hardware/load-topology.ts';

// A small valid file; each broken case below changes one thing in it, so every position is easy to check by eye.
const valid = `name: tiny
nodes: 4
gpusPerNode: 8
gpu:
  name: H800 SXM5
  sms: 132
  memoryGB: 80
  hbmGBps: { peak: 3352, achieved: 2800 }
  bf16Tflops: { peak: 989, achieved: 660 }
  fp8Tflops: { peak: 1979, achieved: 1280 }
  launchOverheadUs: 2.6
nvlink:
  bandwidthGBps: { peak: 200, achieved: 160 }
  latencyUs: 3.33
nic:
  bandwidthGBps: { peak: 50, achieved: 43 }
  latencyUs: 2.8
tiers:
  - { name: leaf, nodesPerSwitch: 2, oversubscription: 2, latencyUs: 0.9 }
comm:
  sms: 24
  allToAll: two-hop
`;

function edit(from: string, to: string): string {
  if (!valid.includes(from)) throw new Error(`test setup: "${from}" is not in the valid file`);
  return valid.replace(from, to);
}

/** The formatted issues that `fn` throws as a UserInputError. */
function messagesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof UserInputError) return error.issues.map(formatIssue);
    throw error;
  }
  throw new Error('expected a UserInputError, but nothing was thrown');
}

describe('loadTopology(preset)', () => {
  it('lists the presets shipped in topologies/', () => {
    expect(listPresets()).toEqual(['a800', 'b200', 'gb200-nvl72', 'h100-16node', 'h20', 'h200', 'h800', 'h800-1024gpu', 'h800-16node', 'h800-1node', 'h800-2node', 'h800-32node']);
  });

  it.each([
    ['h800-1node', 1, 8],
    ['h800-2node', 2, 16],
    ['h800-16node', 16, 128],
    ['h800-32node', 32, 256],
    ['h800-1024gpu', 128, 1024],
    ['h100-16node', 16, 128],
    ['h800', 1, 8],
    ['h20', 1, 8],
    ['h200', 1, 8],
    ['b200', 1, 8],
    ['gb200-nvl72', 1, 72],
    ['a800', 1, 8],
  ])('loadTopology("%s") has %i nodes and %i GPUs', (name, nodes, gpus) => {
    const t = loadTopology(name);
    expect(t.name).toBe(name);
    expect(t.nodes).toBe(nodes);
    expect(gpuCount(t)).toBe(gpus);
  });

  it('loads the same topology from a preset name and from its path', () => {
    expect(loadTopology('topologies/h800-16node.yaml')).toEqual(loadTopology('h800-16node'));
  });

  it.each(listPresets())('%s.yaml opens with a comment block and cites a source for every hardware figure', (name) => {
    const text = readFileSync(`topologies/${name}.yaml`, 'utf8');
    expect(text.startsWith('# ')).toBe(true);
    // `nodes` is the cluster's size, a choice rather than a measured figure.
    const uncited = text.split('\n').filter((l) => /^\s*\w+:\s*[-\d.]+\s*$/.test(l) && !/^nodes:/.test(l));
    expect(uncited).toEqual([]);
  });

  it('the family base presets are one node each; GB200 NVL72 is 72 GPUs in one NVLink domain; A800 multiplies FP8 at the BF16 rate', () => {
    const nvl = loadTopology('gb200-nvl72');
    expect([nvl.nodes, nvl.gpusPerNode]).toEqual([1, 72]);
    const a800 = loadTopology('a800');
    expect(a800.gpu.fp8Tflops).toEqual(a800.gpu.bf16Tflops);
    const h20 = loadTopology('h20');
    expect(h20.gpu.bf16Tflops.peak).toBe(148);
    expect(h20.gpu.hbmGBps.peak).toBe(4000);
    // h800 is h800-1node under the family name
    expect({ ...loadTopology('h800'), name: '', source: '' }).toEqual({ ...loadTopology('h800-1node'), name: '', source: '' });
  });

  it('gives h800-1024gpu one non-blocking leaf tier of 32 nodes', () => {
    expect(loadTopology('h800-1024gpu').tiers).toEqual([{ name: 'leaf', nodesPerSwitch: 32, oversubscription: 1, latencyNs: 900 }]);
  });
});

describe('parseTopology(text, file)', () => {
  it('converts µs to integer ns and GB to bytes, once', () => {
    const t = parseTopology(valid, 'tiny.yaml');
    expect(t.source).toBe('tiny.yaml');
    expect(t.gpu.memoryBytes).toBe(80_000_000_000);
    expect(t.gpu.launchOverheadNs).toBe(2600);
    expect(t.nvlink).toEqual({ bandwidthGBps: { peak: 200, achieved: 160 }, latencyNs: 3330 });
    expect(t.nic.latencyNs).toBe(2800);
    expect(t.tiers).toEqual([{ name: 'leaf', nodesPerSwitch: 2, oversubscription: 2, latencyNs: 900 }]);
    expect(t.comm).toEqual({ sms: 24, allToAll: 'two-hop' });
  });

  it('treats a missing tiers key as one non-blocking switch', () => {
    const t = parseTopology(edit('tiers:\n  - { name: leaf, nodesPerSwitch: 2, oversubscription: 2, latencyUs: 0.9 }\n', ''), 'tiny.yaml');
    expect(t.tiers).toEqual([]);
  });

  it.each([
    ['a YAML syntax error', edit('nodes: 4', 'nodes: [4'), ['t.yaml:3:1: Flow sequence in block collection must be sufficiently indented and end with a ]']],
    ['a duplicate key', edit('nodes: 4\n', 'nodes: 4\nnodes: 8\n'), ['t.yaml:3:1: duplicate key "nodes"']],
    [
      'an unknown key, with a did-you-mean hint',
      edit('  latencyUs: 2.8', '  latencyNs: 2.8'),
      [
        't.yaml:15:1: nic.latencyUs: missing required field (expected number)',
        't.yaml:17:3: nic.latencyNs: unknown field "latencyNs"; expected one of: bandwidthGBps, latencyUs (did you mean "latencyUs"?)',
      ],
    ],
    ['a wrong type', edit('sms: 132', 'sms: many'), ['t.yaml:6:3: gpu.sms: expected number; got "many"']],
    ['a non-integer count', edit('nodes: 4', 'nodes: 2.5'), ['t.yaml:2:1: nodes: must be an integer between 1 and 16384; got 2.5']],
    ['a negative bandwidth', edit('peak: 50,', 'peak: -50,'), ['t.yaml:16:20: nic.bandwidthGBps.peak: must be between 0.001 and 100000 GB/s; got -50']],
    [
      'an achieved figure above its peak',
      edit('achieved: 160', 'achieved: 260'),
      ['t.yaml:13:31: nvlink.bandwidthGBps.achieved: must not exceed peak (200); got 260'],
    ],
    ['a tier that does not divide nodes', edit('nodesPerSwitch: 2', 'nodesPerSwitch: 3'), ['t.yaml:19:19: tiers[0].nodesPerSwitch: must divide nodes (4); got 3']],
    [
      'a tier that does not grow from the one below',
      edit('latencyUs: 0.9 }\n', 'latencyUs: 0.9 }\n  - { name: spine, nodesPerSwitch: 2, oversubscription: 1, latencyUs: 0.5 }\n'),
      ['t.yaml:20:20: tiers[1].nodesPerSwitch: must be a larger multiple of tiers[0].nodesPerSwitch (2); got 2'],
    ],
    ['an oversubscription below 1', edit('oversubscription: 2', 'oversubscription: 0.5'), ['t.yaml:19:38: tiers[0].oversubscription: must be between 1 and 64; got 0.5']],
    ['comm SMs not below the GPU SMs', edit('sms: 24', 'sms: 132'), ['t.yaml:21:3: comm.sms: must be less than gpu.sms (132); got 132']],
    ['an unknown all-to-all form', edit('two-hop', 'twohop'), ['t.yaml:22:3: comm.allToAll: expected one of "direct"|"two-hop"|"deepep-normal"|"deepep-ll"; got "twohop" (did you mean "two-hop"?)']],
    ['a missing required key', edit('  launchOverheadUs: 2.6\n', ''), ['t.yaml:4:1: gpu.launchOverheadUs: missing required field (expected number)']],
    ['an empty file', '', ['t.yaml:1:1: the file is empty; expected a YAML mapping']],
    ['a file that is not a mapping', '- a\n- b\n', ['t.yaml:1:1: expected object; got ["a","b"]']],
    // Absurd but well-typed figures (each once sent the network's event loop spinning): refused with the range.
    ['a bandwidth of 1e-300', edit('peak: 50, achieved: 43', 'peak: 50, achieved: 1e-300'), ['t.yaml:16:30: nic.bandwidthGBps.achieved: must be between 0.001 and 100000 GB/s; got 1e-300']],
    ['a FLOP/s of 1e-300', edit('peak: 989, achieved: 660', 'peak: 989, achieved: 1e-300'), ['t.yaml:9:28: gpu.bf16Tflops.achieved: must be between 0.001 and 100000 TFLOP/s; got 1e-300']],
    ['a latency of 1e300', edit('latencyUs: 3.33', 'latencyUs: 1e300'), ['t.yaml:14:3: nvlink.latencyUs: must be between 0 and 10000 µs; got 1e+300']],
    ['a latency of 2^53 + 1', edit('latencyUs: 2.8', 'latencyUs: 9007199254740993'), ['t.yaml:17:3: nic.latencyUs: must be between 0 and 10000 µs; got 9007199254740992']],
    ['a launch overhead of 1e300', edit('launchOverheadUs: 2.6', 'launchOverheadUs: 1e300'), ['t.yaml:11:3: gpu.launchOverheadUs: must be between 0 and 1000 µs; got 1e+300']],
    ['an oversubscription of 1e300', edit('oversubscription: 2', 'oversubscription: 1e300'), ['t.yaml:19:38: tiers[0].oversubscription: must be between 1 and 64; got 1e+300']],
    ['an infinite bandwidth', edit('peak: 200, achieved: 160', 'peak: .inf, achieved: 160'), ['t.yaml:13:20: nvlink.bandwidthGBps.peak: must be between 0.001 and 100000 GB/s; got Infinity']],
    ['1e15 nodes', edit('nodes: 4', 'nodes: 1e15'), ['t.yaml:2:1: nodes: must be an integer between 1 and 16384; got 1000000000000000']],
    ['a million GPUs per node', edit('gpusPerNode: 8', 'gpusPerNode: 1000000'), ['t.yaml:3:1: gpusPerNode: must be an integer between 1 and 1024; got 1000000']],
    ['more GPUs than epsim simulates', edit('nodes: 4', 'nodes: 4096').replace('gpusPerNode: 8', 'gpusPerNode: 64'), ['t.yaml:2:1: nodes: nodes x gpusPerNode = 4096 x 64 = 262144 GPUs; epsim simulates at most 16384 (README, Limits)']],
  ])('reports %s at its line and column', (_title, text, expected) => {
    expect(messagesOf(() => parseTopology(text, 't.yaml'))).toEqual(expected);
  });

  it('reports every problem in one go, sorted by line', () => {
    const text = edit('nodes: 4', 'nodes: -4').replace('sms: 24', 'sms: 0');
    expect(messagesOf(() => parseTopology(text, 't.yaml'))).toEqual([
      't.yaml:2:1: nodes: must be an integer between 1 and 16384; got -4',
      't.yaml:21:3: comm.sms: must be an integer between 1 and 1023; got 0',
    ]);
  });
});

describe('loadTopology() with a bad name or path', () => {
  const presets = 'a800, b200, gb200-nvl72, h100-16node, h20, h200, h800, h800-1024gpu, h800-16node, h800-1node, h800-2node, h800-32node';
  it.each([
    ['an unknown preset name', 'h800-16nodes', `unknown topology preset "h800-16nodes" (did you mean "h800-16node"?); available presets: ${presets}`],
    ['an unknown preset with no close match', 'tpu-pod', `unknown topology preset "tpu-pod"; available presets: ${presets}`],
    ['a path that does not exist', 'nowhere/x.yaml', `cannot read topology file "nowhere/x.yaml" (no such file); available presets: ${presets}`],
  ])('rejects %s with a UsageError listing the presets', (_title, name, expected) => {
    expect(messagesOf(() => loadTopology(name))).toEqual([expected]);
  });
});
