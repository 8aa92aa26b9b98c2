#!/usr/bin/env node
// The installed `epsim` command: registers the TypeScript loader, then runs the CLI source.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
