// Writes a set of files into a directory atomically: everything goes to a temporary sibling
// directory first, which replaces the target only when every file is written, so an error never
// leaves a half-written result behind. Files already in the target that are not being written
// (a run's result.json next to a sweep's sweep.json) are carried over, not lost.
// A folder that cannot be written (`--out /proc/x`, `--out FILE/sub`, `--out FILE`) is a UsageError
// saying why; hidden `.NAME.tmp-*` / `.NAME.old-*` folders left by a writer that was killed are
// cleaned up by the next write of NAME (an `.old` one is put back first if NAME itself is gone).
import { closeSync, cpSync, existsSync, linkSync, mkdirSync, openSync, readdirSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../core/index.ts';

let counter = 0;

/** A file's text, whole or as chunks written one after another as they come (a generator's,
 *  for files too large to hold as one string). */
export type FileText = string | Iterable<string>;

function writeText(path: string, text: FileText): void {
  if (typeof text === 'string') return writeFileSync(path, text);
  const fd = openSync(path, 'w');
  try {
    for (const chunk of text) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

export function writeDirAtomically(dir: string, files: Record<string, FileText>): void {
  const parent = dirname(dir);
  const temp = preparedTemp(dir);
  const tag = temp.slice(join(parent, `.${basename(dir)}.tmp-`).length);
  const old = join(parent, `.${basename(dir)}.old-${tag}`);
  try {
    for (const [name, content] of Object.entries(files)) writeText(join(temp, name), content);
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
    throw asWriteError(e, dir);
  }
  rmSync(old, { recursive: true, force: true });
}

/**
 * Checks that `dir` can be written, before the work that fills it (a run of minutes should not
 * end in "not a folder"): throws the UsageError writeDirAtomically would. Creates the parent.
 */
export function checkWritableDir(dir: string): void {
  rmdirSync(preparedTemp(dir));
}

/** Makes the parent and a fresh temporary sibling of `dir` (after cleaning up stale ones). */
function preparedTemp(dir: string): string {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`cannot write results to "${dir}": it is a file, not a folder; choose another --out`);
  const parent = dirname(dir);
  for (let up = resolve(parent); ; up = dirname(up)) {
    if (existsSync(up)) {
      if (!statSync(up).isDirectory()) throw new UsageError(`cannot write results to "${dir}": "${up}" is a file, not a folder; choose another --out`);
      break;
    }
    if (dirname(up) === up) break;
  }
  const temp = join(parent, `.${basename(dir)}.tmp-${process.pid}-${Date.now()}-${counter++}`);
  try {
    mkdirSync(parent, { recursive: true });
    removeStale(dir);
    mkdirSync(temp);
  } catch (e) {
    throw asWriteError(e, dir);
  }
  return temp;
}

/** Removes the hidden folders of writers of `dir` that are no longer running (their pid is in the name). */
function removeStale(dir: string): void {
  const parent = dirname(dir);
  const prefix = `.${basename(dir)}.`;
  const stale = readdirSync(parent)
    .map((name) => ({ name, m: /^(tmp|old)-(\d+)-/.exec(name.startsWith(prefix) ? name.slice(prefix.length) : '') }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null && !isRunning(Number(x.m[2])));
  // A writer killed between its two renames leaves no `dir` and a complete `.old`: put it back.
  const old = stale.find((x) => x.m[1] === 'old');
  if (old && !existsSync(dir)) renameSync(join(parent, old.name), dir);
  for (const x of stale) rmSync(join(parent, x.name), { recursive: true, force: true });
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true; // another write of this process may be under way
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const WRITE_FAILURES: Record<string, string> = {
  ENOENT: 'a folder on the way cannot be created there',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'something else is in the way',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  ENAMETOOLONG: 'the name is too long',
  EISDIR: 'a file to write is a folder there',
};

/** An fs error while writing `dir` as a UsageError in words; anything else unchanged. */
function asWriteError(e: unknown, dir: string): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (e instanceof UsageError || !code || !WRITE_FAILURES[code]) return e;
  return new UsageError(`cannot write results to "${dir}": ${WRITE_FAILURES[code]} (${code}); choose another --out`);
}

/** A hard link where the file system allows one (no copy of a 40 MB trace), else a copy. */
function carryOver(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch {
    cpSync(from, to);
  }
}
