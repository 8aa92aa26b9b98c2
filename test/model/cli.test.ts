// The `epsim train` and `epsim trace` commands: argument errors, and a trace of a real (micro)
// checkpoint that the simulator's reader loads back.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../cli/main.ts';
import { trainModel } from '../../model/train.ts';
import { summarizeTrace, tokenClass } from '../../model/trace-analysis.ts';
import { readTrace } from '../../sim/trace/index.ts';
import { microConfig } from './micro-config.ts';

function capture(): CliIo & { text: () => string } {
  let out = '';
  return { out: (t) => (out += t), err: (t) => (out += t), text: () => out };
}

let tmp: string;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'epsim-cli-'));
  await trainModel({ outDir: path.join(tmp, 'run'), config: microConfig({ train: { steps: 2 } }), backend: 'wasm' });
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('epsim train', () => {
  it.each([
    [['train', '--backend', 'tpu'], "error: --backend must be one of auto, gpu, wasm, cpu; got 'tpu'"],
    [['train', '--preset', 'huge'], "error: --preset must be one of tiny, longcat-shape; got 'huge'"],
    [['train', '--steps', '0'], "error: --steps must be an integer >= 1; got '0'"],
    [['train', '--steps', 'many'], "error: --steps must be an integer >= 1; got 'many'"],
  ])('%j is a usage error (exit 2, no stack trace)', async (argv, message) => {
    const io = capture();
    expect(await main(argv, io)).toBe(2);
    expect(io.text()).toBe(message + '\n');
  });

  it('reports an already finished run instead of training it again', async () => {
    const io = capture();
    expect(await main(['train', '--out', path.join(tmp, 'run'), '--backend', 'wasm'], io)).toBe(0);
    expect(io.text()).toMatch(/already finished at step 2/);
    expect(io.text()).toMatch(/finished earlier: micro trained for 2 steps on wasm/);
    expect(io.text()).toMatch(/validation loss \d+\.\d+ nats\/token \((NOT )?below the unigram baseline \d+\.\d+\)/);
  });
});

describe('epsim trace', () => {
  it('writes a trace of the validation sample that readTrace loads, with domains and token text', async () => {
    const file = path.join(tmp, 'micro.trace');
    const io = capture();
    expect(await main(['trace', '--model', path.join(tmp, 'run'), '--out', file, '--max-tokens', '300', '--backend', 'wasm'], io)).toBe(0);
    expect(io.text()).toMatch(/^wrote .*micro\.trace: 300 tokens x 1 MoE layers x top-3 \(8 FFN \+ 4 zero experts\)/);
    const trace = await readTrace(file);
    expect(trace.tokens).toBe(300);
    expect(trace.model).toMatchObject({ name: 'micro', layers: 1, ffnExperts: 8, zeroExperts: 4, topk: 3, hidden: 16, expertHidden: 8 });
    expect(trace.domains).toEqual(['speech', 'prose', 'code']);
    expect(Array.from(new Set(trace.tokenDomain))).toEqual([0, 1, 2]);
    expect(trace.tokenText).toHaveLength(300);
    expect(trace.provenance.createdBy).toBe('epsim trace');
    expect(trace.provenance.notes?.step).toBe(2);
    expect(summarizeTrace(trace).ffnPerTokenMean).toBeGreaterThan(0);
  });

  it('traces a text file as one domain', async () => {
    const text = path.join(tmp, 'in.txt');
    fs.writeFileSync(text, 'Hello, world. The cat sat on the mat.\n');
    const file = path.join(tmp, 'text.trace');
    expect(await main(['trace', '--model', path.join(tmp, 'run', 'checkpoint'), '--text', text, '--out', file, '--backend', 'wasm'], capture())).toBe(0);
    const trace = await readTrace(file);
    expect(trace.domains).toEqual(['text']);
    expect(trace.tokenText!.join('')).toBe('Hello, world. The cat sat on the mat.\n');
    expect(trace.provenance.textFile).toBe(text);
  });

  it.each([
    [['trace', '--model', '/nonexistent/dir', '--out', 'x.trace'], /^error: \/nonexistent\/dir: no checkpoint found/],
    [['trace', '--out', 'x.trace'], /required option '--model <dir>' not specified/],
    [['trace', '--model', '.', '--out', 'x.trace', '--max-tokens', '-3'], /--max-tokens must be an integer >= 1; got '-3'/],
  ])('%j fails with a clear message (exit 2)', async (argv, message) => {
    const io = capture();
    expect(await main(argv, io)).toBe(2);
    expect(io.text()).toMatch(message);
  });

  it('names an unreadable text file', async () => {
    const io = capture();
    const argv = ['trace', '--model', path.join(tmp, 'run'), '--text', path.join(tmp, 'missing.txt'), '--out', path.join(tmp, 'y.trace')];
    expect(await main(argv, io)).toBe(2);
    expect(io.text()).toMatch(/missing\.txt: cannot read the text file: ENOENT/);
  });
});

describe('tokenClass()', () => {
  it.each([
    [' the', 'function'],
    ['The', 'function'],
    [',', 'punctuation'],
    [' ;', 'punctuation'],
    ['\n', 'punctuation'],
    [' government', 'other'],
    ['ing', 'other'],
  ])('%j is %s', (piece, cls) => {
    expect(tokenClass(piece)).toBe(cls);
  });
});
