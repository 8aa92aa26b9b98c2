// What the dashboard server accepts, in one place (README "Limits"): request body, read and
// header times, job time and memory, file read sizes. `listen()` makes the HTTP server with
// these timeouts and turns listen failures (bad port, port in use) into UsageErrors; tests and
// `epsim serve` both use it, so what is tested is what runs.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { UsageError } from '../sim/core/index.ts';

export const SERVER_LIMITS = {
  /** Largest request body (posted YAML as JSON), bytes: the shipped scenarios are 1-3 KB. */
  bodyBytes: 256 * 1024,
  /** A client has this long to send its headers, then its whole request (slow or lying Content-Length). */
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  /** Runs started from the page: at most this wall time and V8 heap each, then they are stopped. */
  jobWallMs: 10 * 60_000,
  jobHeapMb: 4096,
  /** Finished runs kept for GET /api/runs/:id. */
  keptJobs: 100,
  /** Files the server reads for a response (result.json, a scenario, a trace for the routing view). */
  resultFileBytes: 256 << 20,
  /** Files the server streams without holding them (trace.chrome.json downloads: 424 MB for a 1,024-GPU run traced with --trace-gpus all). */
  downloadFileBytes: 4 * 2 ** 30,
  scenarioFileBytes: 1 << 20,
  traceFileBytes: 1 << 30,
} as const;

export interface ListenOptions {
  port: number;
  host: string;
  /** Overrides of the request timeouts (tests shorten them). */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/** An HTTP server for `handler` with the request limits above, listening; rejects with a UsageError it cannot. */
export function listen(handler: RequestListener, options: ListenOptions): Promise<{ server: Server; port: number }> {
  const { port, host } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    return Promise.reject(new UsageError(`--port: expected a port number between 0 and 65535; got ${port}`));
  }
  const requestTimeout = options.requestTimeoutMs ?? SERVER_LIMITS.requestTimeoutMs;
  const headersTimeout = Math.min(options.headersTimeoutMs ?? SERVER_LIMITS.headersTimeoutMs, requestTimeout);
  const server = createServer(
    // Node checks the two timeouts every connectionsCheckingInterval ms (30 s by default).
    { requestTimeout, headersTimeout, connectionsCheckingInterval: Math.max(100, Math.min(1000, headersTimeout / 4)) },
    handler,
  );
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(listenError(error, port, host));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve({ server, port: (server.address() as AddressInfo).port });
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function listenError(error: NodeJS.ErrnoException, port: number, host: string): Error {
  if (error.code === 'EADDRINUSE') return new UsageError(`port ${port} on ${host} is already in use; pick another with --port`);
  if (error.code === 'EACCES') return new UsageError(`port ${port} on ${host} needs privileges this user does not have; pick one above 1023 with --port`);
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') return new UsageError(`cannot listen on ${host}: no such address on this machine; use --host 127.0.0.1`);
  return error;
}

/**
 * Middleware: a request whose Content-Length is over `maxBytes` gets 413 at once, and the
 * connection is closed, instead of the body parser draining a body that may never come.
 */
export function refuseOversizedBody(maxBytes: number) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const length = Number(req.headers['content-length']);
    if (!(length > maxBytes)) return next();
    res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
    res.end(JSON.stringify({ error: 'TooLarge', message: `the request body is too large (${length} bytes; the limit is ${maxBytes})` }));
  };
}

/** '256kb' / '2mb' / '1000' as bytes (the units body-parser takes). */
export function bytesOf(limit: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(limit.trim());
  if (!m) throw new RangeError(`bodyLimit: cannot read "${limit}"`);
  const scale = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'];
  return Math.floor(Number(m[1]) * scale);
}
