// The CLI registers (and so imports) only the command it runs; the full list for help and typos,
// which still loads neither TensorFlow.js nor Express.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS, commandsFor } from '../../cli/commands/index.ts';
import { buildProgram } from '../../cli/main.ts';

const io = { out: () => {}, err: () => {} };
const names = async (argv: string[]) => buildProgram(io, await commandsFor(argv)).commands.map((c) => c.name());

describe('command loading', () => {
  it('a named command registers alone', async () => {
    expect(await names(['run', 'x.yaml'])).toEqual(['run']);
    expect(await names(['validate'])).toEqual(['validate']);
  });

  it('fuse and fuse-eval come from one file, registered once', async () => {
    expect(await names(['fuse-eval'])).toEqual(['fuse', 'fuse-eval']);
  });

  it('help, options and unknown words register every command, each once', async () => {
    const all = await names(['--help']);
    expect(all).toEqual(Object.keys(COMMANDS));
    expect(await names([])).toEqual(all);
    expect(await names(['rn'])).toEqual(all);
    expect(await names(['constructor'])).toEqual(all); // not an own key of the table
  });

  const dir = mkdtempSync(join(tmpdir(), 'epsim-cli-load-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Lists, at exit, the packages the CommonJS loader has loaded (ESM imports of them go through it too).
  const hook = join(dir, 'loaded.cjs');
  writeFileSync(
    hook,
    `process.on('exit', () => { const m = Object.keys(require.cache).map((f) => f.match(/node_modules\\/((?:@[^/]+\\/)?[^/]+)/)?.[1]).filter(Boolean); process.stderr.write('LOADED ' + [...new Set(m)].sort().join(' ') + '\\n'); });\n`,
  );
  const loadedBy = (args: string[]) => spawnSync(process.execPath, ['-r', hook, ...args], { encoding: 'utf8' }).stderr.match(/^LOADED (.*)$/m)?.[1]?.split(' ') ?? [];
  const heavy = (packages: string[]) => packages.filter((p) => p.startsWith('@tensorflow/') || p === 'express');

  // Every command's file is loaded for the full list; each imports model/ and web/ only in its action.
  it.each([[['run', '--help']], [['--help']], [['--version']], [[]], [['trian']], [['train', '--help']], [['serve', '--help']]])(
    '`epsim %j` in a fresh process loads neither TensorFlow.js nor Express',
    (argv) => {
      const loaded = loadedBy(['bin/epsim.js', ...argv]);
      expect(loaded).toContain('commander');
      expect(heavy(loaded)).toEqual([]);
    },
  );

  it('the check sees TensorFlow.js and Express where they are loaded', () => {
    const loaded = loadedBy(['--input-type=module', '-e', "await import('express'); await import('@tensorflow/tfjs');"]);
    expect(loaded).toContain('express');
    expect(loaded).toContain('@tensorflow/tfjs-core');
  });
});
