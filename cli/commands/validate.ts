// `epsim validate FILE`: checks a topology or scenario YAML file and prints a one-line summary.
// The file's kind is read from its top-level keys; each kind has one validator in `validators`.
import type { Command } from 'commander';
import { gpuCount, type Topology } from '../../sim/hardware/index.ts';
import { parseDocumentWithPositions } from '../../sim/core/index.ts';
import { readInputText } from '../../sim/core/index.ts';
import { parseTopology } from '../../sim/hardware/index.ts';
import { describeProduct, planSweep, resolveScenarioText, type ResolvedScenario } from '../../sim/scenario/index.ts';
import type { CliIo } from '../index.ts';

export type FileKind = 'topology' | 'scenario';

/** Validates `text` (the contents of `file`) and returns the summary line, or throws a UserInputError. */
type Validator = (text: string, file: string) => Promise<string>;

const validators: Record<FileKind, Validator> = {
  topology: async (text, file) => summarizeTopology(parseTopology(text, file)),
  scenario: async (text, file) => {
    const s = await resolveScenarioText(text, file);
    // A sweep's axes are checked like the scenario itself: every layout through the loader.
    const sweep = s.spec.sweep ? await planSweep(text, file) : undefined;
    return `${summarizeScenario(s)}${sweep ? `; sweep: ${sweep.points.length} points (${describeProduct(sweep.axes)})` : ''}`;
  },
};

/** Reads and validates `path`; throws UsageError (unreadable file) or ConfigError (bad content). */
export async function validateFile(path: string): Promise<{ kind: FileKind; summary: string }> {
  const text = readInputText(path, 'yaml', { label: 'file' });
  const kind = kindOf(text, path);
  return { kind, summary: await validators[kind](text, path) };
}

/** A scenario is recognised by a top-level `workload` or `schedules` key; anything else is a topology. */
function kindOf(text: string, file: string): FileKind {
  const { doc } = parseDocumentWithPositions(text, file);
  return doc.has('workload') || doc.has('schedules') ? 'scenario' : 'topology';
}

function summarizeTopology(t: Topology): string {
  const tiers = t.tiers.length === 0 ? 'one switch layer' : t.tiers.map((x) => `${x.name} tier ${x.oversubscription}:1`).join(', ');
  return (
    `topology ${t.name}: ${gpuCount(t)} GPUs (${t.nodes} x ${t.gpusPerNode} ${t.gpu.name}); ` +
    `NVLink ${t.nvlink.bandwidthGBps.achieved}/${t.nvlink.bandwidthGBps.peak} GB/s, ` +
    `NIC ${t.nic.bandwidthGBps.achieved}/${t.nic.bandwidthGBps.peak} GB/s per direction (achieved/peak); ${tiers}`
  );
}

function summarizeScenario(s: ResolvedScenario): string {
  const w = s.spec.workload;
  return (
    `scenario ${s.spec.name}: ${w.phase} of ${s.model.name} on ${s.topology.name} (${gpuCount(s.topology)} GPUs, EP ${s.input.parallel.ep}); ` +
    `schedules ${s.schedules.join(', ')}; routing: ${s.routing.description}`
  );
}

export function registerValidate(program: Command, io: CliIo): void {
  program
    .command('validate')
    .description('check a topology or scenario YAML file; errors are reported as file:line:col')
    .argument('<file>', 'topology or scenario YAML file')
    .action(async (file: string) => {
      io.out(`ok: ${file}: ${(await validateFile(file)).summary}\n`);
    });
}
