// Writes a set of files into a directory atomically: everything goes to a temporary sibling
// directory first, which replaces the target only when every file is written, so an error never
// leaves a half-written result behind.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export function writeDirAtomically(dir: string, files: Record<string, string>): void {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const temp = join(parent, `.${basename(dir)}.tmp-${process.pid}-${Date.now()}`);
  const old = join(parent, `.${basename(dir)}.old-${process.pid}-${Date.now()}`);
  mkdirSync(temp, { recursive: true });
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(temp, name), content);
    if (existsSync(dir)) renameSync(dir, old);
    renameSync(temp, dir);
    rmSync(old, { recursive: true, force: true });
  } catch (e) {
    rmSync(temp, { recursive: true, force: true });
    throw e;
  }
}
