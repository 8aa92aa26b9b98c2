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
