// startServer: a bad port and a busy port are UsageErrors (exit 2 through the CLI), not crashes.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../sim/core/errors.ts';
import { main } from '../../cli/main.ts';
import { startServer } from '../../web/server.ts';

const options = { resultsDir: 'results', scenariosDir: 'scenarios', host: '127.0.0.1' };

describe('startServer()', () => {
  it('refuses a port outside 0..65535', async () => {
    await expect(startServer({ ...options, port: 70000 })).rejects.toThrow(new UsageError('--port: expected a port number between 0 and 65535; got 70000'));
    let err = '';
    expect(await main(['serve', '--port', '70000'], { out: () => {}, err: (t) => (err += t) })).toBe(2);
    expect(err).toBe('error: --port: expected a port number between 0 and 65535; got 70000\n');
  });

  it('says a port is in use instead of crashing (Express 5 calls the listen callback on errors too)', async () => {
    const first = await startServer({ ...options, port: 0 });
    const port = Number(new URL(first.url).port);
    try {
      await expect(startServer({ ...options, port })).rejects.toThrow(new UsageError(`port ${port} on 127.0.0.1 is already in use; pick another with --port`));
    } finally {
      await first.close();
    }
  });
});
