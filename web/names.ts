// Names that come from requests (results, scenarios) are checked against a strict pattern and
// resolved inside their folder, so no request can read outside the results and scenarios folders.
import { resolve, sep } from 'node:path';

const NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/i;

export class BadNameError extends Error {}

/** The path of `name` (+ suffix) inside `dir`, or BadNameError. */
export function pathInside(dir: string, name: string, suffix = ''): string {
  if (!NAME.test(name) || name.includes('..')) throw new BadNameError(`invalid name "${name}": use letters, digits, ".", "_" or "-"`);
  const root = resolve(dir);
  const path = resolve(root, name + suffix);
  if (!path.startsWith(root + sep)) throw new BadNameError(`invalid name "${name}"`);
  return path;
}
