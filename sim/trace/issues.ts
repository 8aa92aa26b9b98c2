// Turns validation problems into input issues: zod issues on a JSON document (header of a trace
// file, a tokenizer file) become `file: path: message` lines, and many issues become one error.
import type { z } from 'zod';
import { formatIssue, TraceFormatError, type InputIssue } from '../core/index.ts';

/** One TraceFormatError carrying every issue (TraceFormatError's constructor takes only one). */
export function traceFormatError(issues: readonly InputIssue[]): TraceFormatError {
  const first = issues[0];
  if (!first) throw new Error('traceFormatError() needs at least one issue');
  const error = new TraceFormatError(first.file, first.path, first.message);
  error.issues.length = 0;
  error.issues.push(...issues);
  error.message = issues.map(formatIssue).join('\n');
  return error;
}

/** `header.arrays[1].dtype` from ['arrays', 1, 'dtype'] under the root name `header`. */
export function jsonPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

/**
 * Readable issues from a zod error on a JSON value. Parse with `{ reportInput: true }` so the
 * received value can be quoted ("got -1") rather than only its type.
 */
export function issuesFromZod(error: z.ZodError, file: string, root: string): InputIssue[] {
  return error.issues.flatMap((zi): InputIssue[] => {
    const at = (path: readonly PropertyKey[], message: string): InputIssue => ({ file, line: 0, col: 0, path: jsonPath(root, path), message });
    if (zi.code === 'unrecognized_keys') return zi.keys.map((key) => at([...zi.path, key], 'unknown field'));
    const hasInput = 'input' in zi && zi.input !== undefined;
    const what = zi.message.replace(/^Invalid (input|option): /, '').replace(/, received \w+$/, '').replace(/^Too (small|big): /, '');
    if (!hasInput && zi.code === 'invalid_type') return [at(zi.path, `missing required field (${what})`)];
    return [at(zi.path, `${what}; got ${describeValue(hasInput ? (zi as { input: unknown }).input : undefined)}`)];
  });
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
