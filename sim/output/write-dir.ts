// Writes a set of files into a directory atomically: everything goes to a temporary sibling
// directory first, which replaces the target only when every file is written, so an error never
// leaves a half-written result behind. Files already in the target that are not being written
// (a run's result.json next to a sweep's sweep.json) are carried over, not lost.
import { cpSync, existsSync, linkSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let counter = 0;

export function writeDirAtomically(dir: string, files: Record<string, string>): void {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tag = `${process.pid}-${Date.now()}-${counter++}`;
  const temp = join(parent, `.${basename(dir)}.tmp-${tag}`);
  const old = join(parent, `.${basename(dir)}.old-${tag}`);
  mkdirSync(temp);
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(temp, name), content);
    if (existsSync(dir)) {
      for (const name of readdirSync(dir)) {
        if (Object.hasOwn(files, name)) continue;
        const from = join(dir, name);
        if (statSync(from).isDirectory()) cpSync(from, join(temp, name), { recursive: true });
        else carryOver(from, join(temp, name));
      }
      renameSync(dir, old);
    }
    renameSync(temp, dir);
  } catch (e) {
    rmSync(temp, { recursive: true, force: true });
    if (existsSync(old) && !existsSync(dir)) renameSync(old, dir);
    throw e;
  }
  rmSync(old, { recursive: true, force: true });
}

/** A hard link where the file system allows one (no copy of a 40 MB trace), else a copy. */
function carryOver(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch {
    cpSync(from, to);
  }
}
