// The one way epsim reads an input file (scenario, topology, trace, CSV dump): a regular file of
// bounded size, or a UsageError that says why not. The file is opened first and then examined
// through its descriptor, so what is checked is what is read: `/dev/zero`, a FIFO, a folder or a
// 10 GB file is refused before a byte is read, and a file that grows while it is read is cut off
// at the limit instead of read forever. O_NONBLOCK keeps open() of a FIFO from waiting for a writer.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { UsageError } from './errors.ts';

/** Size limits per kind of input, in bytes, and the words messages use for it. */
export const INPUT_LIMITS = {
  /** Scenario and topology YAML: the shipped ones are 1-3 KB. */
  yaml: { maxBytes: 1 << 20, what: 'YAML file' },
  /** Routing traces: the shipped longcat-shape.trace is 1.3 MB; 1 GiB holds ~90M routing decisions. */
  trace: { maxBytes: 1 << 30, what: 'trace file' },
  /** CSV dumps for import-trace: parsing costs ~20x the file in memory, so 256 MiB keeps it under ~5 GB. */
  csv: { maxBytes: 256 << 20, what: 'CSV dump' },
} as const;

export type InputKind = keyof typeof INPUT_LIMITS;

const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Opens `path` and checks it through the descriptor as readInputBytes does (a bounded regular
 * file), for callers that stream it (the dashboard's trace download); the caller closes `fd`.
 */
export function openInputFile(path: string, kind: InputKind, options: ReadOptions = {}): { fd: number; size: number } {
  const { label, maxBytes } = resolveOptions(kind, options);
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    throw new UsageError(`cannot read ${label} (${openFailure(error)})`, path);
  }
  try {
    return { fd, size: checkStats(fstatSync(fd), path, label, maxBytes) };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** Reads `path` as bytes (sync); throws UsageError naming the file for anything but a bounded regular file. */
export function readInputBytes(path: string, kind: InputKind, options: ReadOptions = {}): Buffer {
  const { label, maxBytes } = resolveOptions(kind, options);
  const { fd, size } = openInputFile(path, kind, options);
  try {
    const buffer = Buffer.allocUnsafe(Math.min(size, maxBytes) + 1);
    let filled = 0;
    for (;;) {
      const n = readSync(fd, buffer, filled, buffer.length - filled, null);
      if (n === 0) break;
      filled += n;
      if (filled > maxBytes) throw tooLarge(path, label, maxBytes, `more than ${formatBytes(maxBytes)}`);
      if (filled === buffer.length) break;
    }
    return buffer.subarray(0, filled);
  } catch (error) {
    throw asReadError(error, path, label);
  } finally {
    closeSync(fd);
  }
}

/** readInputBytes decoded as UTF-8 text (a UTF-8 byte-order mark is dropped by the YAML and CSV parsers). */
export function readInputText(path: string, kind: InputKind, options: ReadOptions = {}): string {
  const bytes = readInputBytes(path, kind, options);
  refuseOtherEncodings(bytes, path, resolveOptions(kind, options).label);
  return bytes.toString('utf8');
}

/** The async twin of readInputBytes, for large files read off the event loop (traces). */
export async function readInputBytesAsync(path: string, kind: InputKind, options: ReadOptions = {}): Promise<Buffer> {
  const { label, maxBytes } = resolveOptions(kind, options);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    throw new UsageError(`cannot read ${label} (${openFailure(error)})`, path);
  }
  try {
    const size = checkStats(await handle.stat(), path, label, maxBytes);
    const buffer = Buffer.allocUnsafe(Math.min(size, maxBytes) + 1);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled > maxBytes) throw tooLarge(path, label, maxBytes, `more than ${formatBytes(maxBytes)}`);
      if (filled === buffer.length) break;
    }
    return buffer.subarray(0, filled);
  } catch (error) {
    throw asReadError(error, path, label);
  } finally {
    await handle.close();
  }
}

/** The file's size when it is a regular file within the limit; else the UsageError saying what it is. */
function checkStats(stats: Stats, path: string, label: string, maxBytes: number): number {
  if (!stats.isFile()) throw new UsageError(`cannot read ${label}: it is ${describeNonFile(stats)}, not a regular file`, path);
  if (stats.size > maxBytes) throw tooLarge(path, label, maxBytes, formatBytes(stats.size));
  return stats.size;
}

function tooLarge(path: string, label: string, maxBytes: number, size: string): UsageError {
  return new UsageError(`cannot read ${label}: it is too large (${size}; epsim reads at most ${formatBytes(maxBytes)})`, path);
}

/** UTF-16/32 files (Windows editors save them) decode to NUL-laden noise: say what they are instead. */
function refuseOtherEncodings(bytes: Buffer, path: string, label: string): void {
  const b0 = bytes[0];
  const b1 = bytes[1];
  const utf16 = (b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff);
  if (utf16 || bytes.subarray(0, 4096).includes(0)) {
    throw new UsageError(`cannot read ${label}: it is ${utf16 ? 'UTF-16 text' : 'binary (it contains NUL bytes)'}; save it as UTF-8 text`, path);
  }
}

function asReadError(error: unknown, path: string, label: string): unknown {
  if (error instanceof UsageError) return error;
  return new UsageError(`cannot read ${label} (${openFailure(error)})`, path);
}

export interface ReadOptions {
  /** How messages name the file, e.g. 'scenario file "x.yaml"' (default: "the YAML file" and the like). */
  label?: string;
  /** Override of the kind's size limit (the server caps posted-scenario reads lower). */
  maxBytes?: number;
}

function resolveOptions(kind: InputKind, o: ReadOptions): { label: string; maxBytes: number } {
  return { label: o.label ?? `the ${INPUT_LIMITS[kind].what}`, maxBytes: o.maxBytes ?? INPUT_LIMITS[kind].maxBytes };
}

function describeNonFile(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a file';
}

/** Why a file could not be opened or read, in words (not only an errno code). */
export function openFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  const words: Record<string, string> = {
    ENOENT: 'no such file',
    EISDIR: 'it is a folder',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOTDIR: 'a part of the path is not a folder',
    ELOOP: 'too many symbolic links',
    ENAMETOOLONG: 'the name is too long',
    EAGAIN: 'the file is not ready to read',
  };
  return (code && words[code]) ?? code ?? (error instanceof Error ? error.message : String(error));
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 30) return `${+(bytes / (1 << 30)).toFixed(1)} GiB`;
  if (bytes >= 1 << 20) return `${+(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${+(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}
