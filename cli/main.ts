// The `epsim` command: one entry, sub-commands. The only place that turns errors into exit codes.
import { Command, CommanderError } from 'commander';
import { formatIssue, UserInputError } from '../sim/core/index.ts';
import { commandsFor, type RegisterCommand } from './commands/index.ts';

export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_USER = 2;

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/** The program with the given commands registered (main registers only what its argv needs). */
export function buildProgram(io: CliIo, commands: readonly RegisterCommand[]): Command {
  const program = new Command('epsim')
    .description('Simulate expert-parallel MoE schedules on GPU clusters from real routing traces')
    .version(process.env.npm_package_version ?? '0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(run "epsim --help" for usage)');
  for (const register of commands) register(program, io);
  for (const sub of program.commands) sub.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  return program;
}

/** Runs the CLI and returns the exit code; user mistakes are printed without a stack trace. */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  try {
    const program = buildProgram(io, await commandsFor(argv));
    await program.parseAsync(argv, { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    return reportError(error, io);
  }
}

export function reportError(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    // Help and version are not errors; commander already printed its own message otherwise.
    return error.exitCode === 0 ? EXIT_OK : EXIT_USER;
  }
  if (error instanceof UserInputError) {
    for (const issue of error.issues) io.err(`error: ${formatIssue(issue)}\n`);
    return EXIT_USER;
  }
  const e = error as Error;
  io.err(`internal error (a bug in epsim, please report it): ${e?.stack ?? String(error)}\n`);
  return EXIT_INTERNAL;
}
