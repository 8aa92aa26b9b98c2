// The sub-commands, each registered by its own file. A file is imported only when its command
// runs (or for the full list: `epsim --help`, an unknown command). Registering a command stays
// cheap: its file imports model/ (TensorFlow.js, about 0.75 s) or web/ (Express, about 0.2 s) only
// inside its action, and takes the option lists and defaults its help shows from model/options/.
import type { Command } from 'commander';
import type { CliIo } from '../index.ts';

export type RegisterCommand = (program: Command, io: CliIo) => void;

/** Command name -> the loader of the function that registers it, in the order `--help` lists them. */
export const COMMANDS: Readonly<Record<string, () => Promise<RegisterCommand>>> = {
  run: async () => (await import('./run.ts')).registerRun,
  sweep: async () => (await import('./sweep.ts')).registerSweep,
  worker: async () => (await import('./worker.ts')).registerWorker,
  serve: async () => (await import('./serve.ts')).registerServe,
  demo: async () => (await import('./demo.ts')).registerDemo,
  validate: async () => (await import('./validate.ts')).registerValidate,
  'import-trace': async () => (await import('./import-trace.ts')).registerImportTrace,
  train: async () => (await import('./train.ts')).registerTrain,
  trace: async () => (await import('./trace.ts')).registerTrace,
  // fuse.ts registers `fuse` and `fuse-eval`.
  fuse: async () => (await import('./fuse.ts')).registerFuse,
  'fuse-eval': async () => (await import('./fuse.ts')).registerFuse,
};

/** The registrations `argv` needs: its command's alone when it names one, else every command once. */
export async function commandsFor(argv: readonly string[]): Promise<RegisterCommand[]> {
  const first = argv[0];
  const loaders = first !== undefined && Object.hasOwn(COMMANDS, first) ? [COMMANDS[first]!] : Object.values(COMMANDS);
  const registers = await Promise.all(loaders.map((load) => load()));
  return [...new Set(registers)];
}
