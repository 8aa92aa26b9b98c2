// Watches the results folder for the dashboard's live refresh: a result folder appearing, going
// or being rewritten (the CLI and the page's runs replace a folder atomically) changes the
// signature, and every listener hears the new list. fs.watch on the folder reports most changes
// at once; a poll of the result.json mtimes catches what it misses (file systems without events).
import { existsSync, readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';

export interface ResultStamp {
  name: string;
  /** mtime of result.json (ms since the epoch). */
  updatedMs: number;
}

/** The result folders (those holding a result.json) with their mtimes, by name. */
export function resultStamps(dir: string): ResultStamp[] {
  if (!existsSync(dir)) return [];
  const out: ResultStamp[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    try {
      out.push({ name, updatedMs: Math.round(statSync(join(dir, name, 'result.json')).mtimeMs) });
    } catch {
      // not a result folder (or it is being replaced right now)
    }
  }
  return out;
}

export class ResultsWatcher {
  private readonly listeners = new Set<(stamps: ResultStamp[]) => void>();
  private signature = '';
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private readonly pollMs = 1000,
  ) {}

  /** Adds a listener; returns the function that removes it. Watching runs while anyone listens. */
  listen(listener: (stamps: ResultStamp[]) => void): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  current(): ResultStamp[] {
    return resultStamps(this.dir);
  }

  private start(): void {
    this.signature = JSON.stringify(this.current());
    this.timer = setInterval(() => this.check(), this.pollMs);
    this.timer.unref();
    try {
      this.watcher = watch(this.dir, () => {
        clearTimeout(this.debounce);
        // A folder is replaced by two renames: wait for both before looking.
        this.debounce = setTimeout(() => this.check(), 200);
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // no folder yet, or no fs events here: the poll still runs
    }
  }

  private stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.debounce);
    this.watcher?.close();
    this.watcher = undefined;
  }

  private check(): void {
    const stamps = this.current();
    const signature = JSON.stringify(stamps);
    if (signature === this.signature) return;
    this.signature = signature;
    for (const listener of this.listeners) listener(stamps);
  }
}
