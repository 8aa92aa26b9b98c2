// BullMQ's sandboxed processor file for `epsim worker`: BullMQ imports it on a worker thread,
// which does not inherit the tsx loader, so register it here, then hand over to the TypeScript.
import { register } from 'tsx/esm/api';

register();
const { processPoint } = await import('../sim/scenario/sweep-processor.ts');
export default processPoint;
