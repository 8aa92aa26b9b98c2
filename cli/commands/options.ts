// Option parsing shared by the commands. Light on purpose: every command's file imports it, and
// all of them are loaded for `epsim --help`.
import { UsageError } from '../../sim/core/index.ts';

export function parseIntOption(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value) || Number(value) < min) throw new UsageError(`${name} must be an integer >= ${min}; got '${value}'`);
  return Number(value);
}
