// The training progress bar and the lines printed around it: a message after the bar (npm start's
// "tracing tiny into runs/tiny/tiny.trace") starts on a line of its own, never on the bar's.
import { describe, expect, it } from 'vitest';
import { createTrainReporter } from '../../cli/commands/train.ts';
import type { TrainEvent } from '../../model/index.ts';

function terminal() {
  let text = '';
  const stream = { isTTY: true, columns: 200, rows: 40, write: (s: string) => ((text += s), true), on: () => stream, once: () => stream, removeListener: () => stream };
  return { stream: stream as unknown as NodeJS.WritableStream, io: { out: (s: string) => (text += s), err: (s: string) => (text += s) }, text: () => text };
}

const start = {
  type: 'start',
  resumedFrom: null,
  totalSteps: 3,
  backend: { description: 'wasm', fallbacks: [] },
  run: { model: { name: 'tiny', layers: 2, hidden: 64, ffnExperts: 32, zeroExperts: 16, topK: 6, targetFfnPerToken: 4 } },
  params: 1000,
  trainTokens: 10,
  validationTokens: 5,
  checkpointDir: 'runs/tiny/checkpoint',
} as unknown as TrainEvent;

const step = (n: number) =>
  ({ type: 'step', step: n, totalSteps: 3, msPerStep: 10, tokensPerSec: 100, stats: { lmLoss: 5, ffnPerTokenMean: 4, ffnPerTokenStd: 1, loadImbalance: 1.2 } }) as unknown as TrainEvent;

describe('createTrainReporter()', () => {
  it('ends the bar\'s line before a message printed after training', () => {
    const t = terminal();
    const reporter = createTrainReporter(t.io, true, t.stream);
    reporter.onEvent(start);
    for (const n of [1, 2, 3]) reporter.onEvent(step(n));
    reporter.say('  tracing tiny into runs/tiny/tiny.trace');
    reporter.stop();
    const text = t.text();
    expect(text).toContain('step 3/3');
    const at = text.indexOf('  tracing tiny into');
    expect(at).toBeGreaterThan(text.lastIndexOf('step 3/3'));
    expect(text[at - 1]).toBe('\n');
    expect(text.slice(at)).toBe('  tracing tiny into runs/tiny/tiny.trace\n');
  });

  it('prints plain lines without a terminal', () => {
    const t = terminal();
    const reporter = createTrainReporter(t.io, false, t.stream);
    reporter.onEvent(start);
    reporter.onEvent(step(1));
    reporter.say('done');
    expect(t.text()).toMatch(/step 1\/3 \| loss 5\.000 .*\ndone\n$/);
  });
});
