import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDefaultModel } from '../../model/default-model.ts';
import { readTrace } from '../../sim/trace/index.ts';
import { microConfig } from './micro-config.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'epsim-default-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('ensureDefaultModel()', () => {
  it('trains and traces once, then reuses both', async () => {
    const config = microConfig({ train: { steps: 2 } });
    const lines: string[] = [];
    const first = await ensureDefaultModel({ runsDir: tmp, config, backend: 'wasm', log: (l) => lines.push(l) });
    expect(first.modelDir).toBe(path.join(tmp, 'micro'));
    expect(first.tracePath).toBe(path.join(tmp, 'micro', 'micro.trace'));
    expect(first.training?.steps).toBe(2);
    expect(first.tracing?.trace.tokens).toBeGreaterThan(0);
    expect((await readTrace(first.tracePath)).model.name).toBe('micro');

    const second = await ensureDefaultModel({ runsDir: tmp, config, backend: 'wasm', log: (l) => lines.push(l) });
    expect(second.training).toBeUndefined();
    expect(second.tracing).toBeUndefined();
    expect(lines).toEqual([
      `training the micro model into ${first.modelDir} (a few minutes on 2 cores; re-running resumes)`,
      `tracing micro into ${first.tracePath}`,
      `using the trained micro model in ${first.modelDir}`,
      `using the routing trace ${first.tracePath}`,
    ]);
  });
});
