// Starts the dashboard on a host and port (127.0.0.1 by default) and returns its URL.
import type { AddressInfo } from 'node:net';
import { UsageError } from '../sim/core/index.ts';
import { createApp, type AppOptions } from './app.ts';

export interface ServerOptions extends AppOptions {
  port: number;
  host?: string;
}

export async function startServer(options: ServerOptions): Promise<{ url: string; close: () => Promise<void> }> {
  const app = createApp(options);
  const host = options.host ?? '127.0.0.1';
  const server = await new Promise<ReturnType<typeof app.listen>>((resolve, reject) => {
    const s = app.listen(options.port, host, () => resolve(s));
    s.on('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new UsageError(`port ${options.port} on ${host} is already in use; pick another with --port`) : error),
    );
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open event streams (the page's live refresh, run progress) would hold close() forever.
        server.closeAllConnections();
      }),
  };
}
