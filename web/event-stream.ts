// Server-sent-events responses. Opening one: A HEAD request gets the headers and an end at once: Node
// sends no body for HEAD, so a stream that never ends would hold the request until it timed out.
import type { Request, Response } from 'express';
import type { Job, JobEvent } from './jobs.ts';

/** Writes the event-stream head; false (and the response ended) for HEAD, where nothing follows. */
export function openEventStream(req: Request, res: Response): boolean {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  if (req.method !== 'HEAD') return true;
  res.end();
  return false;
}

/**
 * A job's events as a server-sent-events stream: the ones so far, then each new one until the
 * job ends (its done or error event closes the stream).
 */
export function streamJobEvents(req: Request, res: Response, job: Job): void {
  if (!openEventStream(req, res)) return;
  const send = (e: JobEvent) => res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
  for (const e of job.events) send(e);
  if (job.status !== 'running') return void res.end();
  const listener = (e: JobEvent) => {
    send(e);
    if (e.type !== 'progress') res.end();
  };
  job.emitter.on('event', listener);
  req.on('close', () => job.emitter.off('event', listener));
}
