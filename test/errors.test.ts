import { describe, expect, it } from 'vitest';
import { formatIssue } from '../sim/core/errors.ts';

describe('formatIssue()', () => {
  it('writes file:line:col: path: message', () => {
    expect(formatIssue({ file: 'a.yaml', line: 3, col: 5, path: 'nic.latencyNs', message: 'must be >= 0' })).toBe(
      'a.yaml:3:5: nic.latencyNs: must be >= 0',
    );
  });
  it('leaves out the position when the issue has no line', () => {
    expect(formatIssue({ file: 'x.trace', line: 0, col: 0, path: 'header.version', message: 'unsupported' })).toBe(
      'x.trace: header.version: unsupported',
    );
  });
});

describe('formatIssue() on values that came from the input', () => {
  it('keeps one line: newlines, tabs and NULs are shown escaped', () => {
    expect(formatIssue({ file: 'a.yaml', line: 1, col: 1, path: 'trace', message: 'no trace file "block\nscalar\t\u0000"' })).toBe('a.yaml:1:1: trace: no trace file "block\\nscalar\\t\\x00"');
  });
});
