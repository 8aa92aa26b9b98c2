// Hostile YAML: alias bombs, unknown and cyclic aliases, deep nesting. Each is a ConfigError at the
// offending line:col, through the CLI an exit 2 without a stack trace.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { main } from '../../cli/main.ts';
import { ConfigError, formatIssue } from '../../sim/core/errors.ts';
import { MAX_YAML_DEPTH, MAX_YAML_NODES, parseYaml } from '../../sim/core/load-yaml.ts';

const anything = z.record(z.string(), z.unknown());

function problems(text: string): string[] {
  try {
    parseYaml(text, 'x.yaml', anything);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues.map(formatIssue);
  }
  return [];
}

/** `levels` block maps nested by indentation, one per line. */
const nestedMaps = (levels: number) => Array.from({ length: levels }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1\n';

/** Ten aliases per level, `levels` levels deep: 10^levels values from a few hundred bytes. */
function aliasBomb(levels: number): string {
  const lines = ['l0: &l0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < levels; i++) lines.push(`l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\n`;
}

describe('parseYaml on hostile input', () => {
  it('refuses an alias bomb at the alias that crosses the limit, without expanding it', () => {
    expect(problems(aliasBomb(9))).toEqual([`x.yaml:5:45: the aliases expand this document past ${MAX_YAML_NODES.toLocaleString('en-US')} values (an alias bomb?); write the values out instead`]);
  });

  it('accepts aliases that expand to a modest document', () => {
    expect(parseYaml(aliasBomb(3), 'x.yaml', anything).l2).toHaveLength(10);
  });

  it('names an alias with no anchor, and one inside the value it names', () => {
    expect(problems('name: *nope\n')).toEqual(['x.yaml:1:7: unknown alias *nope: no anchor &nope comes before it']);
    expect(problems('a: 1\nb: &b [1, *b]\n')).toEqual(['x.yaml:2:11: alias *b is inside the value it names, which would make it endless']);
  });

  it(`refuses nesting past ${MAX_YAML_DEPTH} levels at the first level too deep, block or flow, however deep`, () => {
    const tooDeep = `x.yaml:${MAX_YAML_DEPTH + 1}:${MAX_YAML_DEPTH + 1}: maps and lists nest more than ${MAX_YAML_DEPTH} levels deep here; epsim files nest a few levels`;
    expect(problems(nestedMaps(MAX_YAML_DEPTH + 1))).toEqual([tooDeep]);
    expect(problems(nestedMaps(2000))).toEqual([tooDeep]);
    expect(problems(`x: 1\ny: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`)).toEqual([`x.yaml:2:${3 + MAX_YAML_DEPTH}: maps and lists nest more than ${MAX_YAML_DEPTH} levels deep here; epsim files nest a few levels`]);
    expect(problems(nestedMaps(MAX_YAML_DEPTH))).toEqual([]);
  });
});

describe('epsim validate on hostile YAML', () => {
  const dir = mkdtempSync(join(tmpdir(), 'epsim-hostile-yaml-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it.each([
    ['an alias bomb', aliasBomb(9), /:5:45: the aliases expand/],
    ['an unknown alias', 'name: *nope\n', /:1:7: unknown alias \*nope/],
    ['2,000 nested maps', `${'a: {'.repeat(2000)}b: 1${'}'.repeat(2000)}\n`, /:1:256: maps and lists nest more than 64 levels/],
  ])('%s: exit 2, located, no stack trace', async (_what, text, expected) => {
    const file = join(dir, 'hostile.yaml');
    writeFileSync(file, text);
    let err = '';
    const code = await main(['validate', file], { out: () => {}, err: (t) => (err += t) });
    expect(code).toBe(2);
    expect(err).toMatch(expected);
    expect(err.startsWith(`error: ${file}:`)).toBe(true);
    expect(err).not.toMatch(/\n\s+at /);
  });
});
