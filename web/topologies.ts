// The topologies the run panel offers: the presets in topologies/ and the YAML files of the folder
// the server was given (`epsim serve --topologies DIR`), each with what a scenario writes to use
// it (`topology: VALUE`) and its size, or why it does not load.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatIssue, UserInputError } from '../sim/core/index.ts';
import { gpuCount, listPresets, loadTopology, parseTopology, type Topology } from '../sim/hardware/index.ts';

export interface TopologyEntry {
  name: string;
  kind: 'preset' | 'custom';
  /** What goes after `topology:` in a scenario. */
  value: string;
  gpus?: number;
  gpu?: string;
  error?: string;
}

export function listTopologies(customDir?: string): TopologyEntry[] {
  const describe = (t: Topology) => ({ gpus: gpuCount(t), gpu: t.gpu.name });
  const out: TopologyEntry[] = listPresets().map((name) => ({ name, kind: 'preset', value: name, ...describe(loadTopology(name)) }));
  if (!customDir || !existsSync(customDir)) return out;
  for (const file of readdirSync(customDir).filter((f) => /\.ya?ml$/i.test(f)).sort()) {
    const path = resolve(join(customDir, file));
    try {
      const t = parseTopology(readFileSync(path, 'utf8'), file);
      out.push({ name: t.name, kind: 'custom', value: path, ...describe(t) });
    } catch (e) {
      const error = e instanceof UserInputError ? e.issues.map(formatIssue).join('; ') : e instanceof Error ? e.message : String(e);
      out.push({ name: file, kind: 'custom', value: path, error });
    }
  }
  return out;
}
