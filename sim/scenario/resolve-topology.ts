// The object forms of a scenario's `topology:` key (the string form, a preset name or a path, is
// resolved in load.ts as before):
//   { preset: NAME, nodes: N }  a preset with its node count replaced. Switch tiers whose
//                               nodesPerSwitch does not divide N, or is N or more, are dropped
//                               (the cluster no longer fills them); the name says so, e.g.
//                               "h800-16node[18 nodes]".
//   any other mapping           a whole topology inline, with the keys of topologies/*.yaml.
// Every problem is reported at the scenario file's line and column (topology.gpu.sms, ...), with
// the same messages and did-you-mean hints as a topology file's.
import { z } from 'zod';
import { ConfigError, didYouMean, parseYaml, type InputIssue } from '../core/index.ts';
import { listPresets, loadTopology, toTopology, topologyFileSchema, topologyRuleViolations, type Topology } from '../hardware/index.ts';

type Problem = { path: (string | number)[]; message: string };

export interface ResolvedTopologyObject {
  topology?: Topology;
  /** Problems located by key path (load.ts places them in the file with the rest). */
  problems: Problem[];
  /** Schema issues already located in the file (unknown keys, wrong types). */
  issues: InputIssue[];
}

const presetRef = z.strictObject({
  /** A preset in topologies/ (a name, not a path). */
  preset: z.string().min(1, 'must not be empty'),
  /** Nodes in the cluster, replacing the preset's. */
  nodes: z.number().int('must be an integer').positive('must be > 0'),
});

/** Validated only for its topology key: the rest of the scenario was checked already. */
const withPresetRef = z.looseObject({ topology: presetRef });
const withInlineTopology = z.looseObject({ topology: topologyFileSchema });

/** True for the object forms (the scenario schema lets a mapping through for this module to check). */
export function isTopologyObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function resolveTopologyObject(value: Record<string, unknown>, text: string, file: string): ResolvedTopologyObject {
  const parse = <S extends z.ZodType>(schema: S): { data?: z.output<S>; issues: InputIssue[] } => {
    try {
      return { data: parseYaml(text, file, schema), issues: [] };
    } catch (e) {
      if (e instanceof ConfigError) return { issues: e.issues };
      throw e;
    }
  };
  if ('preset' in value) {
    const { data, issues } = parse(withPresetRef);
    if (!data) return { problems: [], issues };
    return resizedPreset(data.topology.preset, data.topology.nodes);
  }
  const { data, issues } = parse(withInlineTopology);
  if (!data) return { problems: [], issues };
  const problems = topologyRuleViolations(data.topology).map((v) => ({ path: ['topology', ...v.path], message: v.message }));
  if (problems.length > 0) return { problems, issues: [] };
  return { topology: toTopology(data.topology, `${file} (topology inline)`), problems: [], issues: [] };
}

function resizedPreset(preset: string, nodes: number): ResolvedTopologyObject {
  const presets = listPresets();
  if (!presets.includes(preset)) {
    const why = /[\\/]|\.ya?ml$/i.test(preset) ? 'must be a preset name, not a path (use "topology: PATH" for a file)' : `unknown topology preset "${preset}"${didYouMean(preset, presets)}`;
    return { problems: [{ path: ['topology', 'preset'], message: `${why}; available presets: ${presets.join(', ')}` }], issues: [] };
  }
  return { topology: withNodes(loadTopology(preset), nodes), problems: [], issues: [] };
}

/** `base` with `nodes` nodes: tiers that no longer divide the cluster, or hold all of it, are dropped. */
export function withNodes(base: Topology, nodes: number): Topology {
  const kept = base.tiers.filter((t) => nodes % t.nodesPerSwitch === 0 && t.nodesPerSwitch < nodes);
  const dropped = base.tiers.filter((t) => !kept.includes(t)).map((t) => t.name);
  const note = dropped.length > 0 ? `, without the ${dropped.join(' and ')} tier${dropped.length > 1 ? 's' : ''}` : '';
  return {
    ...base,
    name: `${base.name}[${nodes} nodes${note}]`,
    source: `${base.source} with nodes: ${nodes}`,
    nodes,
    tiers: kept,
  };
}
