// The page's plain-JS modules that hold logic rather than drawing: the fixed palette (every op
// kind of sim/core/op-kinds.ts has its own colour, none near the exposed-communication mark), the
// time-axis ticks (distinct labels at any zoom, seeded random windows), the run panel's topology
// rewrite of a scenario's YAML (the result must still load) and the routing source's one line.
import { describe, expect, it } from 'vitest';
import { createRng } from '../../sim/core/rng.ts';
import { OP_KINDS } from '../../sim/core/op-kinds.ts';
import { resolveScenarioText } from '../../sim/scenario/load.ts';
import { readFileSync } from 'node:fs';

// Plain JS for the browser (no declarations): typed loosely here.
const palette: { KIND_COLOURS: Record<string, string>; EXPOSED_COLOUR: string; colourOf: (k: string) => string; UNKNOWN_COLOUR: string } = await import(
  '../../web/public/palette.js' as string
);
const ticks: { timeTicks: (d0: number, d1: number, count?: number) => { t: number; label: string }[] } = await import('../../web/public/ticks.js' as string);
const yamlEdit: { replaceTopology: (yaml: string, t: { value: string } | { inline: string }) => string } = await import('../../web/public/yaml-edit.js' as string);
const routing: { sourceText: (kind: string, description: string) => string } = await import('../../web/public/routing.js' as string);

const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
const distance = (a: string, b: string) => Math.hypot(...rgb(a).map((v, i) => v - rgb(b)[i]!));

describe('palette', () => {
  it('has one distinct colour for every op kind the simulator emits', () => {
    for (const kind of OP_KINDS) expect(palette.KIND_COLOURS[kind], kind).toMatch(/^#[0-9a-f]{6}$/);
    expect(Object.keys(palette.KIND_COLOURS).sort()).toEqual([...OP_KINDS].sort());
    const colours = Object.values(palette.KIND_COLOURS);
    for (let i = 0; i < colours.length; i++) for (let j = i + 1; j < colours.length; j++) expect(distance(colours[i]!, colours[j]!)).toBeGreaterThan(40);
  });

  it('keeps exposed communication far from every op kind (no pink lm-head next to a pink exposed band)', () => {
    for (const [kind, colour] of Object.entries(palette.KIND_COLOURS)) expect(distance(colour, palette.EXPOSED_COLOUR), kind).toBeGreaterThan(100);
    expect(palette.colourOf('a-kind-from-the-future')).toBe(palette.UNKNOWN_COLOUR);
  });
});

describe('timeTicks()', () => {
  it('labels neighbouring ticks differently in random windows from a whole step down to a few ns', () => {
    const rng = createRng('ticks');
    for (let n = 0; n < 2000; n++) {
      const width = 10 ** (rng.next() * 8); // 1 ns .. 100 ms
      const start = rng.next() * 5e7;
      const list = ticks.timeTicks(start, start + width, 4 + rng.int(10));
      expect(list.length).toBeGreaterThanOrEqual(2);
      expect(new Set(list.map((t) => t.label)).size, `${start} + ${width}`).toBe(list.length);
      for (const t of list) expect(t.t).toBeGreaterThanOrEqual(start - 1e-6);
    }
  });

  it('picks the unit by the times shown and just enough decimals for the step', () => {
    expect(ticks.timeTicks(10.1e6, 10.25e6, 8).map((t) => t.label).slice(0, 3)).toEqual(['10.10 ms', '10.12 ms', '10.14 ms']);
    expect(ticks.timeTicks(0, 72000, 8).map((t) => t.label).slice(0, 3)).toEqual(['0 µs', '10 µs', '20 µs']);
    expect(ticks.timeTicks(10123456, 10123470, 8)[1]!.label).toBe('10.123458 ms');
  });
});

describe('replaceTopology()', () => {
  const scenario = readFileSync('scenarios/default.yaml', 'utf8');

  it('swaps a one-line topology for a preset or a path, leaving the rest alone', () => {
    const out = yamlEdit.replaceTopology(scenario, { value: 'h800-1node' });
    expect(out.split('\n').filter((l) => l.startsWith('topology'))).toEqual(['topology: h800-1node']);
    expect(out.replace('topology: h800-1node', 'topology: h800-2node')).toBe(scenario);
    expect(yamlEdit.replaceTopology(scenario, { value: '/my topos/a.yaml' })).toMatch(/^topology: "\/my topos\/a\.yaml"$/m);
  });

  it('inlines a topology file under the key, replacing an inline block already there, and the result loads', async () => {
    const file = readFileSync('topologies/h800-2node.yaml', 'utf8').replace(/^name: .*$/m, 'name: mine');
    const once = yamlEdit.replaceTopology(scenario, { inline: file });
    const twice = yamlEdit.replaceTopology(once, { inline: file });
    expect(twice).toBe(once);
    const s = await resolveScenarioText(once, 'scenarios/default.yaml');
    expect(s.topology.name).toBe('mine');
    expect(yamlEdit.replaceTopology(once, { value: 'h800-2node' })).toBe(scenario);
  });
});

describe('sourceText()', () => {
  it('prints the routing kind only where the description does not already start with it', () => {
    expect(routing.sourceText('fitted', 'fitted from trace traces/x.trace (8190 tokens)')).toBe('fitted from trace traces/x.trace (8190 tokens)');
    expect(routing.sourceText('trace', 'trace traces/tiny.trace (2046 tokens), replayed exactly')).toBe('trace traces/tiny.trace (2046 tokens), replayed exactly');
    expect(routing.sourceText('uniform', 'uniform routing (2 MoE layers)')).toBe('uniform routing (2 MoE layers)');
    // A description that does not name its kind keeps the prefix; a word that merely starts like the kind does not count.
    expect(routing.sourceText('trace', 'replayed exactly from x.trace')).toBe('trace: replayed exactly from x.trace');
    expect(routing.sourceText('trace', 'traced-model routing')).toBe('trace: traced-model routing');
  });
});
