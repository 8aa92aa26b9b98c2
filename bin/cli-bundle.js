// Where `epsim` loads its code from. Loading the CLI's ~150 TypeScript modules one by one through
// tsx costs ~0.6 s before any work is done (`epsim run --help` took 0.95 s; bundled it takes
// 0.37 s), so the command runs an esbuild bundle of them in dist/cli/, built on first use and
// again whenever one of its source files changed since (its modification time or size is not the
// one the bundle recorded). Where no bundle can be built
// (esbuild missing, a read-only folder, a source that does not compile) it runs the sources through
// tsx, as `EPSIM_NO_BUNDLE=1` asks.
//
// - Output files are named by their content hash and each written once, under a temporary name
//   then renamed, so a process starting from one build never reads a half-written file, even while
//   another process builds; `current.json` (the entry and its sources) is replaced last.
// - The code finds files beside its sources (topology presets, the web page, worker entry files)
//   from `import.meta.url`, so the bundle replaces each `import.meta.url` with the URL of the source
//   file it came from: every path resolves as it does unbundled.
// - The modules worker threads run (WORKER_MODULES) are entries of the same bundle: a worker
//   started from bin/ts-worker.js loads a module's bundled form while the bundle is fresh, the
//   TypeScript through tsx otherwise. It never builds one itself.
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEFAULT_OUT = join(ROOT, 'dist', 'cli');
const CLI = 'cli/main.ts';
/** What worker threads run: the schedules of `epsim run --threads`, sweep points, dashboard jobs, `epsim worker`'s processor. */
const WORKER_MODULES = ['sim/scenario/schedule-worker.ts', 'sim/scenario/sweep-worker.ts', 'web/job-worker.ts', 'sim/scenario/sweep-processor.ts'];
/** Bumped when the build's options change, so bundles built with older ones are rebuilt. */
const BUILD_VERSION = 1;
/** Files of earlier builds are removed once this old (no process is still starting from them). */
const OLD_BUILD_MS = 60 * 60 * 1000;

/** The URL of the CLI module (its `main`) to import: the bundle's when it is fresh or can be built. */
export async function cliModuleUrl(options = {}) {
  const out = options.out ?? DEFAULT_OUT;
  if (!process.env.EPSIM_NO_BUNDLE) {
    const entry = freshEntry(out) ?? (await buildBundle(out));
    if (entry) {
      // Stack traces of internal errors then name the TypeScript lines.
      process.setSourceMapsEnabled(true);
      return pathToFileURL(join(out, entry)).href;
    }
  }
  return sourceModuleUrl(pathToFileURL(join(ROOT, CLI)).href);
}

/**
 * The URL to import for the TypeScript module `sourceUrl` in a worker thread: its bundled form
 * when the bundle is fresh and holds it, else the source itself with tsx registered.
 */
export async function workerModuleUrl(sourceUrl, options = {}) {
  const bundled = process.env.EPSIM_NO_BUNDLE ? undefined : bundledModuleUrl(sourceUrl, options.out ?? DEFAULT_OUT);
  if (!bundled) return sourceModuleUrl(sourceUrl);
  process.setSourceMapsEnabled(true);
  return bundled;
}

/** The URL of the bundled form of the TypeScript module `sourceUrl` in the bundle in `out`, if that is fresh and holds it. */
export function bundledModuleUrl(sourceUrl, out) {
  if (!sourceUrl.startsWith('file:')) return undefined;
  const bundled = freshEntries(out)?.[projectPath(fileURLToPath(sourceUrl))];
  return bundled ? pathToFileURL(join(out, bundled)).href : undefined;
}

/** A path as the bundle lists its sources: relative to the project, with forward slashes. */
function projectPath(path) {
  return relative(ROOT, path).split(sep).join('/');
}

async function sourceModuleUrl(url) {
  const { register } = await import('tsx/esm/api');
  register();
  return url;
}

/** The CLI's entry file in the bundle in `out` if it is there and no source of it changed since, else undefined. */
export function freshEntry(out) {
  return freshEntries(out)?.[CLI];
}

/** Source file -> bundle file of each entry of the bundle in `out` if no source of it changed since, else undefined. */
function freshEntries(out) {
  let current;
  try {
    current = JSON.parse(readFileSync(join(out, 'current.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (current?.version !== BUILD_VERSION || typeof current.entries !== 'object' || current.entries === null || !Array.isArray(current.sources)) return undefined;
  for (const source of current.sources) {
    try {
      const stat = statSync(join(ROOT, source.file));
      // Not the recorded file (an older copy put back counts too), or written while the bundle was built.
      if (stat.mtimeMs !== source.mtimeMs || stat.size !== source.size || stat.mtimeMs > current.builtMs) return undefined;
    } catch {
      return undefined; // a source was removed or renamed
    }
  }
  for (const file of Object.values(current.entries)) if (typeof file !== 'string' || !existsSync(join(out, file))) return undefined;
  return current.entries;
}

/** Builds the bundle into `out`; returns its entry file, or undefined when it cannot be built here. */
export async function buildBundle(out) {
  // Sources edited while this builds are newer than the build's start, so the next run rebuilds.
  const startedMs = Date.now();
  try {
    mkdirSync(out, { recursive: true });
    accessSync(out, constants.W_OK); // a read-only checkout: do not build a bundle it cannot keep
  } catch {
    return undefined;
  }
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return undefined;
  }
  let result;
  try {
    result = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: [CLI, ...WORKER_MODULES],
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      outdir: out,
      entryNames: '[name]-[hash]', // flat: every file is as deep as the banner's path assumes
      chunkNames: 'chunk-[hash]',
      sourcemap: 'linked',
      write: false,
      metafile: true,
      logLevel: 'silent',
      banner: { js: `const __epsimSourceUrl = (file) => new URL(${JSON.stringify(relative(out, ROOT).split(sep).join('/') + '/')} + file, import.meta.url).href;` },
      plugins: [sourceUrls],
    });
  } catch {
    return undefined; // a compile error: tsx reports it the usual way
  }
  try {
    const written = new Set(['current.json']);
    for (const file of result.outputFiles) {
      written.add(basename(file.path));
      if (!existsSync(file.path)) writeAtomically(file.path, file.contents);
    }
    const entries = {};
    for (const [path, output] of Object.entries(result.metafile.outputs)) {
      // (Modules imported on demand are entry points of their own too; only these are looked up.)
      if (output.entryPoint === CLI || WORKER_MODULES.includes(output.entryPoint)) entries[output.entryPoint] = basename(path);
    }
    const sources = Object.keys(result.metafile.inputs).map((file) => {
      const { mtimeMs, size } = statSync(join(ROOT, file));
      return { file, mtimeMs, size };
    });
    writeAtomically(join(out, 'current.json'), JSON.stringify({ version: BUILD_VERSION, builtMs: startedMs, entries, sources }));
    removeOldBuilds(out, written);
    return entries[CLI];
  } catch {
    return undefined;
  }
}

/** Replaces `import.meta.url` in each project source with the URL of that source file. */
const sourceUrls = {
  name: 'epsim-source-urls',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const file = projectPath(args.path);
      const text = readFileSync(args.path, 'utf8');
      return { contents: text.replaceAll('import.meta.url', `__epsimSourceUrl(${JSON.stringify(file)})`), loader: 'ts' };
    });
  },
};

function writeAtomically(path, contents) {
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

function removeOldBuilds(out, keep) {
  const now = Date.now();
  for (const name of readdirSync(out)) {
    if (keep.has(name)) continue;
    const path = join(out, name);
    try {
      if (now - statSync(path).mtimeMs > OLD_BUILD_MS) rmSync(path, { force: true });
    } catch {
      // another process removed it first
    }
  }
}
