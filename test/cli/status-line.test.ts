// The terminal status line: drawn in place, throttled, cleared around other output, off in pipes.
import { describe, expect, it } from 'vitest';
import { describeStep, StatusLine } from '../../cli/commands/status-line.ts';

function harness(enabled = true, columns = 200) {
  let clock = 0;
  const writes: string[] = [];
  const line = new StatusLine((t) => writes.push(t), enabled, () => clock, () => columns);
  return { line, writes, tick: (ms: number) => (clock += ms) };
}

describe('StatusLine', () => {
  it('draws a new part at once, redraws a changed one at most every 100 ms', () => {
    const { line, writes, tick } = harness();
    line.set('serial', 'building');
    line.set('serial', 'simulating, 1%'); // 0 ms later: not drawn
    tick(50);
    line.set('serial', 'simulating, 2%'); // 50 ms: still not
    tick(60);
    line.set('serial', 'simulating, 3%'); // 110 ms: drawn
    line.set('tbo', 'building'); // a new part: drawn at once
    expect(writes).toEqual(['\r\x1b[K  serial: building', '\r\x1b[K  serial: simulating, 3%', '\r\x1b[K  serial: simulating, 3% · tbo: building']);
  });

  it('clears itself before a logged line and redraws after it; stop clears it for good', () => {
    const { line, writes } = harness();
    const out: string[] = [];
    line.set('serial', 'simulating');
    line.delete('serial');
    line.set('tbo', 'building');
    line.log((t) => out.push(t), 'serial simulated in 1.00 s\n');
    line.stop();
    expect(out).toEqual(['serial simulated in 1.00 s\n']);
    expect(writes).toEqual(['\r\x1b[K  serial: simulating', '\r\x1b[K  tbo: building', '\r\x1b[K', '\r\x1b[K  tbo: building', '\r\x1b[K']);
  });

  it('writes nothing when off (not a terminal); logged lines still go out', () => {
    const { line, writes } = harness(false);
    const out: string[] = [];
    line.set('serial', 'x');
    line.log((t) => out.push(t), 'done\n');
    line.stop();
    expect(writes).toEqual([]);
    expect(out).toEqual(['done\n']);
  });

  it('fits the terminal width, so the line never wraps', () => {
    const { line, writes } = harness(true, 30);
    line.set('shared-overlap', 'simulating, 42% of 541,696 ops');
    expect(writes).toEqual(['\r\x1b[K  shared-overlap: simulating…']);
    expect(writes[0]!.length - '\r\x1b[K'.length).toBe(29);
  });

  it('describes a step', () => {
    expect(describeStep({ stage: 'build', done: 0, total: 0 })).toBe('building the op graph');
    expect(describeStep({ stage: 'simulate', done: 8192, total: 363520 })).toBe('simulating, 2% of 363,520 ops');
  });
});
