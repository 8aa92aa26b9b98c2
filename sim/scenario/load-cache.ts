// Memos for the expensive, pure parts of loading a scenario: reading a trace file, loading a
// topology file and building a routing source from a trace. A sweep loads one scenario per point
// (the same trace and topology hundreds of times, on the main thread to validate and on every
// worker to run); without these a LongCat point paid ~50 ms of loading for ~50 ms of simulation.
//
// Entries are keyed by what determines their value: a file's absolute path, size and mtime (an
// edited file is read again), and a routing source by its trace object and options. Routing
// sources may be shared between scenarios: they sample lazily in blocks seeded by (seed, layer,
// block), so what they return does not depend on who asked first (sim/replay/fitted-source.ts).
// Each memo keeps its last few entries only, so a long-lived server does not grow.
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Topology } from '../hardware/index.ts';
import { loadTopology } from '../hardware/index.ts';
import type { RoutingSource, TraceSourceOptions } from '../replay/index.ts';
import { traceRoutingSource } from '../replay/index.ts';
import type { RoutingTrace } from '../trace/index.ts';
import { readTrace } from '../trace/index.ts';

const KEEP = 8;

/** A tiny least-recently-used map. */
class Recent<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly keep = KEEP) {}
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  delete(key: K): void {
    this.map.delete(key);
  }
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.keep) this.map.delete(this.map.keys().next().value as K);
  }
}

/** path + size + mtime, or undefined when the file cannot be stat'ed (the loader then reports it). */
function fileKey(path: string): string | undefined {
  try {
    const s = statSync(path);
    return `${resolve(path)}\0${s.size}\0${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

// Traces can be tens of MB: keep fewer.
const traces = new Recent<string, Promise<RoutingTrace>>(4);

/** readTrace, memoised per file version. A failed read is not kept. */
export function readTraceCached(path: string): Promise<RoutingTrace> {
  const key = fileKey(path);
  if (key === undefined) return readTrace(path);
  let p = traces.get(key);
  if (!p) {
    p = readTrace(path);
    traces.set(key, p);
    p.catch(() => traces.delete(key));
  }
  return p;
}

const topologies = new Recent<string, Topology>();

const PRESET_DIR = fileURLToPath(new URL('../../topologies/', import.meta.url));

/** loadTopology, memoised per file version (presets are files too). Callers must not mutate the result. */
export function loadTopologyCached(nameOrPath: string): Topology {
  const isPath = /[\\/]/.test(nameOrPath) || /\.ya?ml$/i.test(nameOrPath);
  const key = fileKey(isPath ? nameOrPath : join(PRESET_DIR, `${nameOrPath}.yaml`));
  if (key === undefined) return loadTopology(nameOrPath);
  const hit = topologies.get(`${nameOrPath}\0${key}`);
  if (hit) return hit;
  const topology = loadTopology(nameOrPath);
  topologies.set(`${nameOrPath}\0${key}`, topology);
  return topology;
}

const sources = new WeakMap<RoutingTrace, Recent<string, RoutingSource>>();

/** traceRoutingSource, memoised per trace object and options. */
export function traceRoutingSourceCached(trace: RoutingTrace, options: TraceSourceOptions): RoutingSource {
  let perTrace = sources.get(trace);
  if (!perTrace) sources.set(trace, (perTrace = new Recent()));
  const key = JSON.stringify(options);
  const hit = perTrace.get(key);
  if (hit) return hit;
  const source = traceRoutingSource(trace, options);
  perTrace.set(key, source);
  return source;
}
