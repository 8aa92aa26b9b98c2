// Every shipped scenario validates; those fast enough for CI run, and their metrics must match
// the checked-in snapshot (a change is reviewed like code, with its reason in the commit).
// The others (longcat-prefill, deepseek-v3-decode: 20 s to 1 min per schedule; longcat-train-ep32:
// 1.5 to 2 min per schedule on 2 cores) are validated here and run by `npm run bench` / by hand.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../sim/scenario/load.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { planSweep } from '../../sim/scenario/sweep-plan.ts';
import type { ScheduleName } from '../../sim/core/types.ts';

const shipped = readdirSync('scenarios').filter((f) => f.endsWith('.yaml')).sort();

/** Scenarios run in CI, with the schedules that keep the suite fast. */
const RUN: Record<string, ScheduleName[] | 'all'> = {
  'default.yaml': 'all',
  'a2a-deepep-ep64.yaml': 'all',
  'longcat-decode-h800x128.yaml': ['scmoe-sbo'],
};

describe('shipped scenarios', () => {
  it('are all here', () => {
    expect(shipped).toEqual(
      expect.arrayContaining(['default.yaml', 'longcat-decode-h800x128.yaml', 'longcat-prefill.yaml', 'deepseek-v3-decode.yaml', 'longcat-train-ep32.yaml']),
    );
  });

  for (const file of shipped) {
    it(`${file} validates and starts with a comment saying what it answers`, async () => {
      expect(readFileSync(`scenarios/${file}`, 'utf8')).toMatch(/^# Question: \S/);
      const s = await loadScenario(`scenarios/${file}`);
      expect(s.spec.name).toBe(file.replace(/\.yaml$/, ''));
      // Its sweep, if it has one, plans: every axis value loads.
      if (s.spec.sweep) {
        const plan = await planSweep(readFileSync(`scenarios/${file}`, 'utf8'), `scenarios/${file}`);
        expect(plan.points.length).toBeGreaterThan(0);
        expect(plan.points.filter((p) => p.error !== undefined).map((p) => `${p.id}: ${p.error}`)).toEqual([]);
      }
    });
  }

  // Each network model has its own snapshots: the flow model's are the reference results from
  // before the fluid model existed, and must not move; the fluid model's are the default's.
  for (const networkModel of ['flow', 'fluid'] as const) {
    for (const [file, schedules] of Object.entries(RUN)) {
      it(`${file} on the ${networkModel} model runs, matches its snapshot, and runs byte-identically twice`, async () => {
        const overrides = { networkModel, ...(schedules === 'all' ? {} : { schedules }) };
        const first = runScenario(await loadScenario(`scenarios/${file}`, overrides)).result;
        const again = runScenario(await loadScenario(`scenarios/${file}`, overrides)).result;
        expect(JSON.stringify(again)).toBe(JSON.stringify(first));
        const name = file.replace(/\.yaml$/, '');
        await expect(JSON.stringify({ schedules: first.schedules, trace: first.trace.description }, null, 2)).toMatchFileSnapshot(
          `snapshots/${networkModel === 'flow' ? name : `${name}.fluid`}.json`,
        );
      }, 240_000);
    }
  }
});
