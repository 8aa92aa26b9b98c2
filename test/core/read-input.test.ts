// The shared input reader: regular files of bounded size, everything else refused by name.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../sim/core/errors.ts';
import { readInputBytes, readInputBytesAsync, readInputText } from '../../sim/core/read-input.ts';

const dir = mkdtempSync(join(tmpdir(), 'epsim-read-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as UsageError).message;
  }
  throw new Error('expected a UsageError');
}

describe('readInputText / readInputBytes', () => {
  it('reads a regular file, through a symlink too', () => {
    const file = join(dir, 'a.yaml');
    writeFileSync(file, 'name: x\n');
    symlinkSync(file, join(dir, 'link.yaml'));
    expect(readInputText(file, 'yaml')).toBe('name: x\n');
    expect(readInputText(join(dir, 'link.yaml'), 'yaml')).toBe('name: x\n');
  });

  it('refuses /dev/zero and a folder without reading them', () => {
    expect(message(() => readInputText('/dev/zero', 'yaml'))).toBe('/dev/zero: cannot read the YAML file: it is a character device, not a regular file');
    expect(message(() => readInputBytes(dir, 'trace', { label: 'the trace file' }))).toBe(`${dir}: cannot read the trace file: it is a folder, not a regular file`);
  });

  it('refuses a FIFO at once instead of waiting for a writer', () => {
    const fifo = join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    expect(message(() => readInputText(fifo, 'yaml', { label: 'scenario file "pipe.yaml"' }))).toBe(
      `${fifo}: cannot read scenario file "pipe.yaml": it is a named pipe (FIFO), not a regular file`,
    );
  });

  it('refuses a file over the limit from its size, before reading it (a sparse 10 GB file)', async () => {
    const big = join(dir, 'big.trace');
    writeFileSync(big, '');
    truncateSync(big, 10 * 1024 ** 3);
    await expect(readInputBytesAsync(big, 'trace')).rejects.toThrow(`${big}: cannot read the trace file: it is too large (10 GiB; epsim reads at most 1 GiB)`);
    expect(message(() => readInputText(big, 'yaml', { maxBytes: 100 }))).toMatch(/it is too large \(10 GiB; epsim reads at most 100 bytes\)$/);
  });

  it('says what a missing file, UTF-16 text and binary data are', () => {
    expect(message(() => readInputText(join(dir, 'none.yaml'), 'yaml'))).toMatch(/none\.yaml: cannot read the YAML file \(no such file\)$/);
    const utf16 = join(dir, 'u16.yaml');
    writeFileSync(utf16, Buffer.from('\ufeffname: x\n', 'utf16le'));
    expect(message(() => readInputText(utf16, 'yaml'))).toMatch(/it is UTF-16 text; save it as UTF-8 text$/);
    const binary = join(dir, 'bin.csv');
    writeFileSync(binary, Buffer.from([0x74, 0x00, 0x6b]));
    expect(message(() => readInputText(binary, 'csv'))).toMatch(/it is binary \(it contains NUL bytes\); save it as UTF-8 text$/);
  });
});
