// The report's file list gives the size of files large enough to matter when opening them.
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sizeNote } from '../../cli/commands/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'epsim-size-note-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sizeNote', () => {
  it('names sizes from 10 MB on, in whole MB, and nothing below or for a missing file', () => {
    const file = (name: string, bytes: number) => {
      const path = join(dir, name);
      writeFileSync(path, '');
      truncateSync(path, bytes); // sparse: no disk written
      return path;
    };
    expect(sizeNote(file('big.json', 424_387_173))).toBe('424 MB');
    expect(sizeNote(file('edge.json', 10_000_000))).toBe('10 MB');
    expect(sizeNote(file('small.json', 9_999_999))).toBe('');
    expect(sizeNote(join(dir, 'absent.json'))).toBe('');
  });
});
