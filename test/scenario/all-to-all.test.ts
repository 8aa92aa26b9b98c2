// Which EP exchange kernels a scenario runs: the default per phase, overrides, and mistakes at
// the file's line:col.
import { describe, expect, it } from 'vitest';
import { resolveScenarioText } from '../../sim/scenario/load.ts';
import { resolveAllToAll } from '../../sim/scenario/all-to-all.ts';
import { scenarioMessages } from '../helpers/scenario-messages.ts';

const small = (workload: string, network: string) => `name: small
model: traced
trace: traces/tiny.trace
topology: h800-2node
parallel:
  ep: 16
workload:
${workload}
schedules: [serial]
${network}`;
const decode = (network = '') => small('  phase: decode\n  sequencesPerGpu: 4\n  contextTokens: 256', network);
const prefill = (network = '') => small('  phase: prefill\n  tokensPerGpu: 512', network);

const messages = (text: string) => scenarioMessages(text);

describe('network.allToAll', () => {
  it('defaults to deepep-ll for decode and deepep-normal for the other phases of a two-hop topology', async () => {
    expect((await resolveScenarioText(decode(), 'a.yaml')).topology.comm).toMatchObject({ allToAll: 'deepep-ll', intraNode: 'nvlink' });
    const p = await resolveScenarioText(prefill(), 'a.yaml');
    expect(p.topology.comm.allToAll).toBe('deepep-normal');
    expect(p.topology.comm.intraNode).toBeUndefined();
    expect(resolveAllToAll('train', 'two-hop')).toBe('deepep-normal');
    expect(resolveAllToAll('a2a', 'direct')).toBe('direct');
  });

  it('is overridable, old names included, and intraNode picks the low-latency path', async () => {
    expect((await resolveScenarioText(decode('network: { allToAll: two-hop }\n'), 'a.yaml')).topology.comm.allToAll).toBe('two-hop');
    expect((await resolveScenarioText(decode('network: { allToAll: direct }\n'), 'a.yaml')).topology.comm.allToAll).toBe('direct');
    expect((await resolveScenarioText(prefill('network: { allToAll: deepep-ll }\n'), 'a.yaml')).topology.comm.allToAll).toBe('deepep-ll');
    expect((await resolveScenarioText(decode('network: { intraNode: rdma }\n'), 'a.yaml')).topology.comm.intraNode).toBe('rdma');
  });

  it('says what is wrong at the line and column', async () => {
    expect(await messages(decode('network: { allToAll: deepep-normall }\n'))).toEqual([
      'bad.yaml:12:12: network.allToAll: expected one of "direct"|"two-hop"|"deepep-normal"|"deepep-ll"; got "deepep-normall" (did you mean "deepep-normal"?)',
    ]);
    expect(await messages(prefill('network: { intraNode: rdma }\n'))).toEqual([
      'bad.yaml:11:12: network.intraNode: applies to the deepep-ll kernels only; this run uses deepep-normal (set network.allToAll: deepep-ll or remove intraNode)',
    ]);
  });
});
