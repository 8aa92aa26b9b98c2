import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../cli/main.ts';
import { readTrace } from '../../sim/trace/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'epsim-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t) };
  const code = await main(args, io);
  return { code, out, err };
}

function dump(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('epsim import-trace', () => {
  it('writes a trace the simulator can read and exits 0', async () => {
    const csv = dump('good.csv', 'token,layer,e0,e1\n0,0,1,5\n0,1,2,3\n1,0,4,0\n1,1,1,2\n');
    const out = join(dir, 'good.trace');
    const result = await run(['import-trace', csv, '--ffn-experts', '4', '--zero-experts', '2', '--name', 'dump', '--out', out]);
    expect(result).toEqual({ code: 0, out: `wrote ${out}: 2 tokens × 2 layers × top-2 (8 decisions), 4 FFN + 2 zero experts\n`, err: '' });
    const trace = await readTrace(out);
    expect(trace.model).toEqual({ name: 'dump', layers: 2, ffnExperts: 4, zeroExperts: 2, topk: 2 });
    expect(Array.from(trace.experts)).toEqual([1, 5, 2, 3, 4, 0, 1, 2]);
  });

  it('exits 2 with file:line:col messages and no stack trace for bad rows, writing nothing', async () => {
    const csv = dump('bad.csv', 'token,layer,e0,e1\n0,0,1,5\n0,1,2,x\n');
    const out = join(dir, 'bad.trace');
    const result = await run(['import-trace', csv, '--ffn-experts', '4', '--zero-experts', '1', '--out', out]);
    expect(result.code).toBe(2);
    expect(result.err).toBe(
      `error: ${csv}:2:7: e1: expert id 5 is out of range: the model has 4 FFN + 1 zero experts (ids 0..4)\n` +
        `error: ${csv}:3:7: e1: expected a non-negative integer expert id; got "x"\n`,
    );
    expect(result.err).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    ['a missing dump file', ['import-trace', join(dir, 'none.csv'), '--ffn-experts', '4', '--out', join(dir, 'x.trace')], /^error: .*none\.csv: cannot read the dump \(no such file\)/],
    ['a bad --ffn-experts', ['import-trace', 'x.csv', '--ffn-experts', 'many', '--out', 'x.trace'], /^error: --ffn-experts: expected an integer >= 1; got "many"\n$/],
    ['a missing --out', ['import-trace', 'x.csv', '--ffn-experts', '4'], /required option '--out <file>' not specified/],
  ])('exits 2 for %s', async (_, args, message) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
    expect(result.err).not.toMatch(/\n\s+at /);
  });
});
