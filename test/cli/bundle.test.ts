// The bundle `epsim` runs (bin/cli-bundle.js): built from the sources, rebuilt when they change,
// written so concurrent builds never leave a half-written file, and running like the sources.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, bundledModuleUrl, freshEntry } from '../../bin/cli-bundle.js';
import { main as sourceMain } from '../../cli/main.ts';

type Main = typeof sourceMain;

describe('the CLI bundle', () => {
  const out = mkdtempSync(join(tmpdir(), 'epsim-bundle-'));
  let entry: string;
  beforeAll(async () => {
    entry = (await buildBundle(out))!;
  }, 60_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  const current = () => JSON.parse(readFileSync(join(out, 'current.json'), 'utf8'));

  it('is built with its sources listed, and fresh while they are unchanged', () => {
    expect(entry).toMatch(/^main-[A-Z0-9]+\.js$/);
    const files = current().sources.map((s: { file: string }) => s.file);
    expect(files).toContain('cli/main.ts');
    expect(files).toContain('sim/network/fluid-direct.ts');
    // Commands are imported on demand, and their code is in the bundle too.
    expect(files).toContain('cli/commands/run.ts');
    expect(freshEntry(out)).toBe(entry);
  });

  it('holds the modules worker threads run, looked up by their source URL', () => {
    const source = (file: string) => pathToFileURL(join(process.cwd(), file)).href;
    const { entries } = current();
    for (const file of ['sim/scenario/schedule-worker.ts', 'sim/scenario/sweep-worker.ts', 'web/job-worker.ts', 'sim/scenario/sweep-processor.ts']) {
      expect(bundledModuleUrl(source(file), out), file).toBe(pathToFileURL(join(out, entries[file])).href);
    }
    // Anything else is loaded from its source.
    expect(bundledModuleUrl(source('sim/scenario/run.ts'), out)).toBeUndefined();
    expect(bundledModuleUrl('node:fs', out)).toBeUndefined();
  });

  it('is stale once a source changed (newer, older or resized), a source is gone, or the build options changed', () => {
    const saved = readFileSync(join(out, 'current.json'), 'utf8');
    const rewrite = (change: (c: Record<string, unknown>) => void) => {
      const c = JSON.parse(saved);
      change(c);
      writeFileSync(join(out, 'current.json'), JSON.stringify(c));
    };
    try {
      type Source = { file: string; mtimeMs: number; size: number };
      const first = (c: Record<string, unknown>) => (c.sources as Source[])[0]!;
      rewrite((c) => (c.builtMs = 0)); // every source is newer than 1970
      expect(freshEntry(out)).toBeUndefined();
      rewrite((c) => (first(c).mtimeMs += 1)); // the file on disk is older than the one built
      expect(freshEntry(out)).toBeUndefined();
      rewrite((c) => (first(c).size += 1));
      expect(freshEntry(out)).toBeUndefined();
      rewrite((c) => (c.sources = [...(c.sources as Source[]), { file: 'sim/no-such-file.ts', mtimeMs: 0, size: 0 }]));
      expect(freshEntry(out)).toBeUndefined();
      rewrite((c) => (c.version = 0));
      expect(freshEntry(out)).toBeUndefined();
      rewrite((c) => ((c.entries as Record<string, string>)['web/job-worker.ts'] = 'job-worker-MISSING.js'));
      expect(freshEntry(out)).toBeUndefined();
      writeFileSync(join(out, 'current.json'), '{ not json');
      expect(freshEntry(out)).toBeUndefined();
    } finally {
      writeFileSync(join(out, 'current.json'), saved);
    }
    expect(freshEntry(out)).toBe(entry);
  });

  it('keeps no import.meta.url of its own: each source file’s stands for that file', () => {
    const js = readdirSync(out).filter((f) => f.endsWith('.js'));
    for (const f of js) {
      const text = readFileSync(join(out, f), 'utf8');
      // Only the helper in each file's banner reads the bundle's own URL.
      expect(text.split('import.meta.url').length - 1, f).toBe(1);
    }
    const all = js.map((f) => readFileSync(join(out, f), 'utf8')).join('\n');
    expect(all).toContain('__epsimSourceUrl("sim/hardware/load-topology.ts")');
  });

  it('runs commands as the sources do (output, errors, exit codes, files found beside the sources)', async () => {
    const { main: bundleMain } = (await import(pathToFileURL(join(out, entry)).href)) as { main: Main };
    const runBoth = async (argv: string[]) => {
      const results = [];
      for (const main of [sourceMain, bundleMain]) {
        let text = '';
        const io = { out: (t: string) => (text += t), err: (t: string) => (text += t) };
        const code = await main(argv, io);
        results.push({ code, text });
      }
      return results;
    };
    // A scenario whose topology preset does not exist: the error lists the presets in topologies/,
    // which load-topology.ts finds from its own URL.
    const unknownPreset = join(out, 'unknown-preset.yaml');
    writeFileSync(unknownPreset, readFileSync('scenarios/default.yaml', 'utf8').replace(/^topology:.*$/m, 'topology: h800-nope'));
    const cases = [['run', '--help'], ['validate', 'scenarios/longcat-decode-h800x128.yaml'], ['validate', unknownPreset], ['validate', 'scenarios/no-such.yaml'], ['run', 'scenarios/default.yaml', '--ep', 'x']];
    for (const argv of cases) {
      const [fromSources, fromBundle] = await runBoth(argv);
      expect(fromBundle, argv.join(' ')).toEqual(fromSources);
    }
    const [, listed] = await runBoth(['validate', unknownPreset]);
    expect(listed!.code).toBe(2);
    expect(listed!.text).toContain('h800-16node');
  }, 60_000);

  it('concurrent builds agree and leave no partial files', async () => {
    const [a, b] = await Promise.all([buildBundle(out), buildBundle(out)]);
    expect(a).toBe(entry);
    expect(b).toBe(entry);
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(freshEntry(out)).toBe(entry);
  }, 60_000);
});
