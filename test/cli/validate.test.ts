import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateFile } from '../../cli/commands/validate.ts';
import { main, type CliIo } from '../../cli/main.ts';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t) };
  const code = await main(argv, io);
  return { code, out, err };
}

/** Every error line names file:line:col and no line is a stack frame. */
function expectLocatedErrors(err: string, file: string): void {
  const lines = err.trimEnd().split('\n');
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) expect(line.startsWith(`error: ${file}:`)).toBe(true);
  expect(err).not.toMatch(/^\s+at /m);
}

const dir = mkdtempSync(join(tmpdir(), 'epsim-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeTemp(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('epsim validate FILE', () => {
  it.each([
    ['h800-1node', 8],
    ['h800-2node', 16],
    ['h800-16node', 128],
    ['h800-32node', 256],
    ['h800-1024gpu', 1024],
    ['h100-16node', 128],
  ])('accepts topologies/%s.yaml and prints a one-line summary (%i GPUs)', async (name, gpus) => {
    const file = `topologies/${name}.yaml`;
    const { code, out, err } = await run('validate', file);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(out).toMatch(new RegExp(`^ok: ${file}: topology ${name}: ${gpus} GPUs \\(.*NVLink .*NIC .*\\n$`));
  });

  it('prints the exact summary of h800-16node', async () => {
    const { out } = await run('validate', 'topologies/h800-16node.yaml');
    expect(out).toBe(
      'ok: topologies/h800-16node.yaml: topology h800-16node: 128 GPUs (16 x 8 H800 SXM5); ' +
        'NVLink 160/200 GB/s, NIC 50/50 GB/s per direction (achieved/peak); one switch layer\n',
    );
  });

  it('rejects a broken copy of a preset with exit 2 and file:line:col, no stack trace', async () => {
    const text = readFileSync('topologies/h800-16node.yaml', 'utf8').replace(/achieved: 160\b/, 'achieved: 260');
    const file = writeTemp('broken.yaml', text);
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('achieved: 260')) + 1;
    const col = lines[line - 1]!.indexOf('achieved') + 1;

    const { code, out, err } = await run('validate', file);
    expect({ code, out }).toEqual({ code: 2, out: '' });
    expect(err).toBe(`error: ${file}:${line}:${col}: nvlink.bandwidthGBps.achieved: must not exceed peak (200); got 260\n`);
    expectLocatedErrors(err, file);
  });

  it('reports a YAML syntax error and an unknown key with file:line:col', async () => {
    const syntax = writeTemp('syntax.yaml', 'name: x\nnodes: [1\n');
    const typo = writeTemp('typo.yaml', readFileSync('topologies/h800-2node.yaml', 'utf8').replace('gpusPerNode:', 'gpusPerNod:'));
    for (const file of [syntax, typo]) {
      const { code, err } = await run('validate', file);
      expect(code).toBe(2);
      expectLocatedErrors(err, file);
    }
    expect((await run('validate', typo)).err).toContain('gpusPerNod: unknown field "gpusPerNod"');
  });

  it('rejects a missing file with exit 2 and no stack trace', async () => {
    const file = join(dir, 'absent.yaml');
    const { code, err } = await run('validate', file);
    expect({ code, err }).toEqual({ code: 2, err: `error: ${file}: cannot read file (no such file)\n` });
  });

  it('recognises a scenario by its workload or schedules key and validates it as one', async () => {
    for (const [name, text] of [
      ['scenario-a.yaml', 'name: s\nworkload: { phase: decode }\n'],
      ['scenario-b.yaml', 'name: s\nschedules: [serial]\n'],
    ] as const) {
      const file = writeTemp(name, text);
      const { code, err } = await run('validate', file);
      expect(code).toBe(2);
      expect(err).toMatch(new RegExp(`^error: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: (topology|parallel|workload)`));
      expect(err).not.toMatch(/\n\s+at /);
    }
  });
});

describe('validateFile(path)', () => {
  it('returns the kind and the summary of a topology', async () => {
    const result = await validateFile('topologies/h800-1node.yaml');
    expect(result.kind).toBe('topology');
    expect(result.summary).toMatch(/^topology h800-1node: 8 GPUs/);
  });
});
