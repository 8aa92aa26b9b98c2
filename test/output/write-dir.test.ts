import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../sim/core/errors.ts';
import { checkWritableDir, writeDirAtomically } from '../../sim/output/write-dir.ts';

const roots: string[] = [];
function scratch(): string {
  const root = mkdtempSync(join(tmpdir(), 'epsim-write-dir-'));
  roots.push(root);
  return root;
}
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

describe('writeDirAtomically()', () => {
  it('writes every file into a new folder and leaves no temporary folder behind', () => {
    const root = scratch();
    writeDirAtomically(join(root, 'run'), { 'a.json': '1', 'b.json': '2' });
    expect(readdirSync(root)).toEqual(['run']);
    expect(readdirSync(join(root, 'run')).sort()).toEqual(['a.json', 'b.json']);
  });

  it('replaces the files it writes and keeps the others (a run next to a sweep)', () => {
    const root = scratch();
    const dir = join(root, 'longcat');
    writeDirAtomically(dir, { 'sweep.json': 'sweep', 'result.json': 'old' });
    writeDirAtomically(dir, { 'result.json': 'new', 'timeline.json': 't' });
    expect(readdirSync(dir).sort()).toEqual(['result.json', 'sweep.json', 'timeline.json']);
    expect(readFileSync(join(dir, 'result.json'), 'utf8')).toBe('new');
    expect(readFileSync(join(dir, 'sweep.json'), 'utf8')).toBe('sweep');
    expect(readdirSync(root)).toEqual(['longcat']);
  });

  it('leaves the previous contents untouched when a file cannot be written', () => {
    const root = scratch();
    const dir = join(root, 'run');
    writeDirAtomically(dir, { 'result.json': 'good' });
    expect(() => writeDirAtomically(dir, { 'ok.json': 'x', 'missing/sub.json': 'y' })).toThrow();
    expect(readdirSync(dir)).toEqual(['result.json']);
    expect(readFileSync(join(dir, 'result.json'), 'utf8')).toBe('good');
    expect(readdirSync(root)).toEqual(['run']);
  });

  it('carries over a file it does not write even when the target was made by hand', () => {
    const root = scratch();
    const dir = join(root, 'run');
    writeDirAtomically(dir, { 'result.json': '1' });
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    writeDirAtomically(dir, { 'result.json': '2' });
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });
});

describe('writeDirAtomically() on folders it cannot write', () => {
  const message = (f: () => void): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      return (e as Error).message;
    }
    throw new Error('expected a UsageError');
  };

  it('says why for a file in the way, a file as a parent and /proc', () => {
    const root = scratch();
    const file = join(root, 'result.json');
    writeFileSync(file, 'x');
    expect(message(() => writeDirAtomically(file, { 'a.json': '1' }))).toBe(`cannot write results to "${file}": it is a file, not a folder; choose another --out`);
    expect(message(() => writeDirAtomically(join(file, 'sub'), { 'a.json': '1' }))).toBe(
      `cannot write results to "${join(file, 'sub')}": "${file}" is a file, not a folder; choose another --out`,
    );
    expect(message(() => checkWritableDir('/proc/x'))).toBe('cannot write results to "/proc/x": a folder on the way cannot be created there (ENOENT); choose another --out');
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('cleans up the hidden folders of a killed writer on the next write, and restores its .old when the folder is gone', () => {
    const root = scratch();
    const dead = 2 ** 22 + 12345; // above Linux's default pid_max, so never a running process
    mkdirSync(join(root, `.run.tmp-${dead}-1-0`));
    writeFileSync(join(root, `.run.tmp-${dead}-1-0`, 'half.json'), '{');
    mkdirSync(join(root, `.run.old-${dead}-1-0`));
    writeFileSync(join(root, `.run.old-${dead}-1-0`, 'sweep.json'), 'kept');
    mkdirSync(join(root, `.other.tmp-${dead}-1-0`));
    writeDirAtomically(join(root, 'run'), { 'result.json': 'new' });
    expect(readdirSync(root).sort()).toEqual([`.other.tmp-${dead}-1-0`, 'run']);
    expect(readdirSync(join(root, 'run')).sort()).toEqual(['result.json', 'sweep.json']);
  });

  it('leaves the hidden folder of a writer that is still running', () => {
    const root = scratch();
    const live = join(root, `.run.tmp-${process.ppid}-1-0`);
    mkdirSync(live);
    writeDirAtomically(join(root, 'run'), { 'result.json': 'new' });
    expect(existsSync(live)).toBe(true);
  });
});
