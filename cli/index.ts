// PUBLIC SURFACE of cli/: what other folders may import (they import nothing else from here).
export type { CliIo } from './main.ts';
