#!/usr/bin/env node
// The installed `epsim` command: loads the CLI (a bundle of the TypeScript where one can be built,
// see cli-bundle.js), then runs it.
import { cliModuleUrl } from './cli-bundle.js';

// `epsim run ... | head` closes stdout early: stop quietly, as other command-line tools do,
// instead of dying with an EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}
const { main } = await import(await cliModuleUrl());
process.exitCode = await main(process.argv.slice(2));
