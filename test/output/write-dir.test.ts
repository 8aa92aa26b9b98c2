import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeDirAtomically } from '../../sim/output/write-dir.ts';

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
