// Opens a server-sent-events response. A HEAD request gets the headers and an end at once: Node
// sends no body for HEAD, so a stream that never ends would hold the request until it timed out.
import type { Request, Response } from 'express';

/** Writes the event-stream head; false (and the response ended) for HEAD, where nothing follows. */
export function openEventStream(req: Request, res: Response): boolean {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  if (req.method !== 'HEAD') return true;
  res.end();
  return false;
}
