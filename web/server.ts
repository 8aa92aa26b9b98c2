// Starts the dashboard on a host and port (127.0.0.1 by default) and returns its URL.
// listen() (limits.ts) sets the request timeouts and reports a bad or busy port as a UsageError.
import { createApp, type AppOptions } from './app.ts';
import { listen } from './limits.ts';

export interface ServerOptions extends AppOptions {
  port: number;
  host?: string;
}

export async function startServer(options: ServerOptions): Promise<{ url: string; close: () => Promise<void> }> {
  const app = createApp(options);
  const host = options.host ?? '127.0.0.1';
  const { server, port } = await listen(app, { port: options.port, host });
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
