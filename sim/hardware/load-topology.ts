// Reads a topology (a preset name or a YAML path), validates it and converts its units once:
// µs -> integer ns, GB -> bytes. Bandwidths stay in GB/s and compute in TFLOP/s, as Topology uses them.
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Topology } from './topology.ts';
import { configErrorAt, didYouMean, parseYaml } from '../core/index.ts';
import { readInputText, UsageError } from '../core/index.ts';
import { topologyFileSchema, topologyRuleViolations, type TopologyFile } from './topology-schema.ts';

/** The preset YAML files live in the project's topologies/ folder. */
const presetDir = fileURLToPath(new URL('../../topologies/', import.meta.url));

/** Names of the preset topologies (the YAML files next to this module, without `.yaml`). */
export function listPresets(): string[] {
  return readdirSync(presetDir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** `h800-16node` loads topologies/h800-16node.yaml; anything with a slash or a .yaml/.yml ending is a path. */
export function loadTopology(nameOrPath: string): Topology {
  const isPath = /[\\/]/.test(nameOrPath) || /\.ya?ml$/i.test(nameOrPath);
  const file = isPath ? nameOrPath : join(presetDir, `${nameOrPath}.yaml`);
  if (!isPath && !existsSync(file)) {
    const presets = listPresets();
    throw new UsageError(`unknown topology preset "${nameOrPath}"${didYouMean(nameOrPath, presets)}; available presets: ${presets.join(', ')}`);
  }
  let text: string;
  try {
    text = readInputText(file, 'yaml', { label: `topology file "${nameOrPath}"` });
  } catch (error) {
    // The reader's reason (no such file, a FIFO, too large), then the presets as a way out.
    const reason = error instanceof UsageError ? error.issues[0]!.message : String(error);
    throw new UsageError(`${reason}; available presets: ${listPresets().join(', ')}`);
  }
  return parseTopology(text, displayPath(file));
}

/** Validates YAML text (the contents of `file`) and returns the runtime Topology; throws ConfigError. */
export function parseTopology(text: string, file: string): Topology {
  const spec = parseYaml(text, file, topologyFileSchema);
  const violations = topologyRuleViolations(spec);
  if (violations.length > 0) throw configErrorAt(text, file, violations);
  return toTopology(spec, file);
}

/** The runtime Topology of a validated topology file (ns, bytes); `source` names where it came from. */
export function toTopology(spec: TopologyFile, source: string): Topology {
  return {
    name: spec.name,
    source,
    nodes: spec.nodes,
    gpusPerNode: spec.gpusPerNode,
    gpu: {
      name: spec.gpu.name,
      sms: spec.gpu.sms,
      memoryBytes: Math.round(spec.gpu.memoryGB * 1e9),
      hbmGBps: { ...spec.gpu.hbmGBps },
      bf16Tflops: { ...spec.gpu.bf16Tflops },
      fp8Tflops: { ...spec.gpu.fp8Tflops },
      launchOverheadNs: usToNs(spec.gpu.launchOverheadUs),
    },
    nvlink: { bandwidthGBps: { ...spec.nvlink.bandwidthGBps }, latencyNs: usToNs(spec.nvlink.latencyUs) },
    nic: { bandwidthGBps: { ...spec.nic.bandwidthGBps }, latencyNs: usToNs(spec.nic.latencyUs) },
    tiers: spec.tiers.map((t) => ({
      name: t.name,
      nodesPerSwitch: t.nodesPerSwitch,
      oversubscription: t.oversubscription,
      latencyNs: usToNs(t.latencyUs),
    })),
    comm: { sms: spec.comm.sms, allToAll: spec.comm.allToAll },
  };
}

/** Integer ns: the engine's time unit. Rounding to the nearest ns absorbs float noise (3.33 µs -> 3330 ns). */
function usToNs(us: number): number {
  return Math.round(us * 1000);
}

/** Error messages name files relative to the working directory when they are inside it. */
function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}
