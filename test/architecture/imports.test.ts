// The dependency rules of docs/ARCHITECTURE.md, checked on the source: a file reaches another
// folder only through that folder's index.ts (its public surface), and the folders of sim/ import
// only the layers below them, so there are no cycles between folders.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The layers of sim/, bottom first: a folder may import only folders before it in this list. */
const SIM_LAYERS = ['core', 'engine', 'hardware', 'network', 'ops', 'metrics', 'trace', 'models', 'replay', 'schedules', 'step', 'output', 'scenario'];
/** Top-level folders, bottom first (sim as a whole is the bottom). */
const TOP_LAYERS = ['sim', 'model', 'web', 'cli', 'bench'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return entry === 'public' ? [] : sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

interface Import {
  file: string;
  target: string;
  line: number;
}

/** Static imports and re-exports with a relative specifier (workers started by URL are not imports). */
function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*'(\.{1,2}\/[^']+)'/gms)) {
    const line = text.slice(0, m.index).split('\n').length;
    out.push({ file, target: normalize(join(dirname(file), m[1]!)), line });
  }
  return out;
}

const files = TOP_LAYERS.flatMap((d) => sourceFiles(d));
const imports = files.flatMap(importsOf);
const where = (i: Import) => `${i.file}:${i.line} imports ${i.target}`;

function simLayer(path: string): number {
  const [top, folder] = relative('.', path).split('/');
  return top === 'sim' ? SIM_LAYERS.indexOf(folder!) : -1;
}

describe('import rules', () => {
  it('finds the sources and their imports', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(imports.length).toBeGreaterThan(300);
  });

  it('every folder of sim/ is in the layer list', () => {
    const folders = readdirSync('sim').filter((d) => statSync(join('sim', d)).isDirectory());
    expect(folders.filter((d) => !SIM_LAYERS.includes(d))).toEqual([]);
    expect(readdirSync('sim').filter((f) => f.endsWith('.ts'))).toEqual([]);
  });

  it("a file reaches another folder only through that folder's index.ts", () => {
    const past = imports.filter((i) => dirname(i.target) !== dirname(i.file) && !i.target.endsWith('/index.ts') && !i.target.startsWith('bench/'));
    expect(past.map(where)).toEqual([]);
  });

  it('the folders of sim/ import only the layers below them', () => {
    const upward = imports.filter((i) => {
      const from = simLayer(i.file);
      const to = simLayer(i.target);
      return from >= 0 && to >= 0 && to > from;
    });
    expect(upward.map(where)).toEqual([]);
  });

  it('the top-level folders import only the ones below them (sim never imports the model, web or cli)', () => {
    const rank = (path: string) => TOP_LAYERS.indexOf(relative('.', path).split('/')[0]!);
    const upward = imports.filter((i) => rank(i.target) > rank(i.file));
    expect(upward.map(where)).toEqual([]);
  });
});
