// How the server opens a file a request names: the real path (symlinks resolved) must lie inside
// one of the folders the server serves, the file must be a regular file (not /dev/zero, a FIFO, a
// folder) and no larger than the cap; anything else is a RefusedFileError with a status and a
// message that names the request's name, never the target's path or its bytes.
// Every route that reads a file goes through here (other streams' routes too).
import { createReadStream, realpathSync, type ReadStream } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { openInputFile, readInputBytes, readInputBytesAsync, UsageError, type InputKind } from '../sim/core/index.ts';

export class RefusedFileError extends Error {
  constructor(
    readonly status: 404 | 413 | 422,
    message: string,
  ) {
    super(message);
    this.name = 'RefusedFileError';
  }
}

/** The real path of `path` when it exists and lies inside one of `roots` (also real paths), else undefined. */
export function realPathInside(path: string, roots: readonly string[]): string | undefined {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return undefined;
  }
  return roots.some((root) => isInside(real, realRoot(root))) ? real : undefined;
}

/** True when `path` is inside `dir` (not `dir` itself), both resolved lexically. */
export function isInside(path: string, dir: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

function realRoot(root: string): string {
  try {
    return realpathSync(root);
  } catch {
    return resolve(root);
  }
}

export interface SafeReadOptions {
  /** Folders the file must really be in. */
  roots: readonly string[];
  /** Largest size read, bytes. */
  maxBytes: number;
  /** How a message names the file ("result.json of 'default'"). */
  label: string;
  kind?: InputKind;
}

/** Reads a file confined to `roots`; RefusedFileError 404 (absent or outside), 422 (not a regular file), 413 (too large). */
export function readConfined(path: string, o: SafeReadOptions): Buffer {
  const real = confined(path, o);
  try {
    return readInputBytes(real, o.kind ?? 'yaml', { maxBytes: o.maxBytes, label: o.label });
  } catch (e) {
    throw refusal(e, o);
  }
}

export async function readConfinedAsync(path: string, o: SafeReadOptions): Promise<Buffer> {
  const real = confined(path, o);
  try {
    return await readInputBytesAsync(real, o.kind ?? 'trace', { maxBytes: o.maxBytes, label: o.label });
  } catch (e) {
    throw refusal(e, o);
  }
}

/**
 * A file confined to `roots` as a stream, for downloads too large to hold in memory (a 1,024-GPU
 * run's trace.chrome.json of every GPU is hundreds of MB): the checks of readConfined (sim/core's
 * openInputFile: opened without blocking, a regular file within o.maxBytes), then a stream of it.
 */
export function openConfined(path: string, o: SafeReadOptions): { size: number; stream: ReadStream } {
  const real = confined(path, o);
  try {
    const { fd, size } = openInputFile(real, o.kind ?? 'trace', { maxBytes: o.maxBytes, label: o.label });
    return { size, stream: createReadStream('', { fd, autoClose: true }) };
  } catch (e) {
    throw refusal(e, o);
  }
}

/** readConfined as UTF-8 text. */
export function readConfinedText(path: string, o: SafeReadOptions): string {
  return readConfined(path, o).toString('utf8');
}

function confined(path: string, o: SafeReadOptions): string {
  const real = realPathInside(path, o.roots);
  if (!real) throw new RefusedFileError(404, `no ${o.label}`);
  return real;
}

function refusal(e: unknown, o: SafeReadOptions): unknown {
  if (!(e instanceof UsageError)) return e;
  const message = e.issues[0]?.message ?? '';
  if (/too large/.test(message)) return new RefusedFileError(413, `${o.label} is too large for the server to send (over ${o.maxBytes} bytes)`);
  if (/not a regular file/.test(message)) return new RefusedFileError(422, `${o.label} is not a regular file`);
  return new RefusedFileError(404, `no ${o.label}`);
}
