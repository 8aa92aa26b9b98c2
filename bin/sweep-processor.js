// BullMQ's sandboxed processor file for `epsim worker`: BullMQ imports it on a worker thread,
// which does not inherit the main thread's loader, so this loads the processor's bundled form
// while the CLI bundle is fresh (cli-bundle.js), else its TypeScript through tsx.
import { workerModuleUrl } from './cli-bundle.js';

const { processPoint } = await import(await workerModuleUrl(new URL('../sim/scenario/sweep-processor.ts', import.meta.url).href));
export default processPoint;
