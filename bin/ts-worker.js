// Worker-thread entry that loads a TypeScript module: workers do not inherit the main thread's
// loader, so this imports the module's bundled form while the CLI bundle is fresh (cli-bundle.js),
// else registers tsx and imports the module named in workerData itself.
import { workerData } from 'node:worker_threads';
import { workerModuleUrl } from './cli-bundle.js';

await import(await workerModuleUrl(workerData.module));
