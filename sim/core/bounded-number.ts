// The one builder of numeric fields for epsim's schemas (scenario, topology, trace header): every
// number has a range a real cluster can have, and the message says it, e.g.
// `must be between 0.001 and 100000 GB/s` (the YAML loader appends `; got 1e-300`).
// Ranges are what keep absurd-but-well-typed input (1e300 latencies, 1e-300 bandwidths, 2^53 + 1)
// out of the simulator: times and rates then stay far inside what float64 integer ns can hold.
import { z } from 'zod';

export interface NumberRange {
  min: number;
  max: number;
  /** Unit for the message ("GB/s", "µs"); none for counts. */
  unit?: string;
  /** Whole numbers only (counts, sizes, seeds). */
  integer?: boolean;
}

/** "between 1 and 16384" / "an integer between ..." with the unit, as the range reads in a message. */
export function describeRange(r: NumberRange): string {
  return `${r.integer ? 'an integer ' : ''}between ${formatLimit(r.min)} and ${formatLimit(r.max)}${r.unit ? ` ${r.unit}` : ''}`;
}

/**
 * A zod number in [min, max] (integers only when `integer`). Any number outside it (Infinity and NaN
 * included) gets one message, `must be <range>`; a value of another type keeps zod's "expected
 * number", and a missing one the loader's "missing required field".
 */
export function boundedNumber(r: NumberRange) {
  if (!(r.min <= r.max) || !Number.isFinite(r.min) || !Number.isFinite(r.max)) throw new RangeError(`boundedNumber: bad range ${r.min}..${r.max}`);
  const message = `must be ${describeRange(r)}`;
  return z
    .number({ error: (issue) => (typeof issue.input === 'number' ? message : undefined) })
    .check(z.refine((v) => v >= r.min && v <= r.max && (!r.integer || Number.isInteger(v)), { error: message, abort: true }));
}

/** Shorthand for integer counts. */
export function boundedInt(min: number, max: number, unit?: string) {
  return boundedNumber({ min, max, integer: true, ...(unit ? { unit } : {}) });
}

/** 100000, 0.001, 16384: plain digits for the ranges epsim uses (no exponent below 1e21). */
function formatLimit(v: number): string {
  return Number.isInteger(v) ? String(v) : String(+v.toPrecision(12));
}
