// The tokenizer file: `{ format: "epsim-bpe", formatVersion: 1, preSplit: "gpt2", vocabSize,
// merges: [[left, right], ...], meta }`. Merge i creates token 256 + i. Validated strictly, with
// every problem reported as `file: field: message`.
import { z } from 'zod';
import { UserInputError, type InputIssue } from '../../sim/core/index.ts';
import { describeValue, issuesFromZod } from '../../sim/trace/index.ts';

export const TOKENIZER_FORMAT = 'epsim-bpe';
export const TOKENIZER_FORMAT_VERSION = 1;

const tokenizerSchema = z.strictObject({
  format: z.literal(TOKENIZER_FORMAT),
  formatVersion: z.literal(TOKENIZER_FORMAT_VERSION),
  preSplit: z.literal('gpt2'),
  vocabSize: z.number().int().min(256).max(65536),
  merges: z.array(z.tuple([z.number().int().min(0), z.number().int().min(0)])),
  meta: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});

export type TokenizerJson = z.infer<typeof tokenizerSchema>;

export function parseTokenizerJson(json: unknown, file: string): TokenizerJson {
  const fail = (path: string, message: string): never => {
    throw new UserInputError([{ file, line: 0, col: 0, path, message }]);
  };
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (e) {
      fail('', `not valid JSON: ${(e as Error).message}`);
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('', `expected a tokenizer object; got ${describeValue(value)}`);
  const version = (value as Record<string, unknown>).formatVersion;
  if (version !== TOKENIZER_FORMAT_VERSION && typeof version === 'number') {
    fail('formatVersion', `unsupported version ${version}; this epsim reads version ${TOKENIZER_FORMAT_VERSION}`);
  }
  const result = tokenizerSchema.safeParse(value, { reportInput: true });
  if (!result.success) throw new UserInputError(issuesFromZod(result.error, file, ''));
  const issues: InputIssue[] = [];
  const at = (path: string, message: string): number => issues.push({ file, line: 0, col: 0, path, message });
  const parsed = result.data;
  if (parsed.vocabSize !== 256 + parsed.merges.length) {
    at('vocabSize', `must be 256 + the number of merges (${256 + parsed.merges.length}); got ${parsed.vocabSize}`);
  }
  const seen = new Map<string, number>();
  parsed.merges.forEach(([a, b], i) => {
    const limit = 256 + i;
    if (a >= limit || b >= limit) at(`merges[${i}]`, `uses token ${Math.max(a, b)}, but only tokens 0..${limit - 1} exist before merge ${i}`);
    const previous = seen.get(`${a},${b}`);
    if (previous !== undefined) at(`merges[${i}]`, `repeats merges[${previous}] (${a}, ${b})`);
    else seen.set(`${a},${b}`, i);
  });
  if (issues.length > 0) throw new UserInputError(issues.slice(0, 20));
  return parsed;
}
