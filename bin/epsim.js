#!/usr/bin/env node
// The installed `epsim` command: registers the TypeScript loader, then runs the CLI source.
import { register } from 'tsx/esm/api';

register();
// `epsim run ... | head` closes stdout early: stop quietly, as other command-line tools do,
// instead of dying with an EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
