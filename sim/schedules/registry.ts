// The schedule registry: names are the contract (docs/ARCHITECTURE.md); adding a schedule = one file + one line.
import type { ScheduleName } from '../core/index.ts';
import { a2a } from './a2a.ts';
import type { Schedule } from './define-schedule.ts';
import { scmoeChunked } from './scmoe-chunked.ts';
import { scmoeSbo } from './scmoe-sbo.ts';
import { serial } from './serial.ts';
import { sharedOverlap } from './shared-overlap.ts';
import { tbo } from './tbo.ts';

export const SCHEDULES: Record<ScheduleName, Schedule> = {
  serial,
  'shared-overlap': sharedOverlap,
  tbo,
  'scmoe-sbo': scmoeSbo,
  'scmoe-chunked': scmoeChunked,
  a2a,
};

