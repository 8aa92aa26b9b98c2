// PUBLIC SURFACE of sim/engine/: what other folders may import (they import nothing else from here).
export { Engine } from './engine.ts';
export { LATE, NORMAL, URGENT } from './event-queue.ts';
