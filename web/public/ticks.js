// Time-axis ticks: nice steps (1, 2, 5 x 10^k ns) and labels with as many decimals as the step
// needs, in the unit of the visible times, so neighbouring labels always differ however far one
// zooms in ("10.1234 ms, 10.1235 ms", never "10.1 ms, 10.1 ms").

const UNITS = [
  { unit: 'ms', ns: 1e6 },
  { unit: 'µs', ns: 1e3 },
  { unit: 'ns', ns: 1 },
];

/** A 1, 2 or 5 x 10^k step giving about `count` ticks over `span` (rounded as d3.ticks rounds). */
export function niceStep(span, count) {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m >= 7.07 ? 10 : m >= 3.16 ? 5 : m >= 1.41 ? 2 : 1) * power;
}

/** Ticks in [d0, d1] (ns) with their labels. */
export function timeTicks(d0, d1, count = 8) {
  if (!(d1 > d0)) return [];
  const step = Math.max(1e-3, niceStep(d1 - d0, count));
  const { unit, ns } = UNITS.find((u) => Math.max(Math.abs(d0), Math.abs(d1)) >= u.ns) ?? UNITS[2];
  const decimals = Math.max(0, -Math.floor(Math.log10(step / ns) + 1e-9));
  const out = [];
  for (let i = Math.ceil(d0 / step); i * step <= d1 + step * 1e-9; i++) {
    const t = i * step;
    out.push({ t, label: `${(t / ns).toFixed(decimals)} ${unit}` });
  }
  return out;
}

/** A duration for labels and tooltips: ms from 1 ms, µs from 1 µs, about 3-4 significant digits. */
export function formatDuration(ns) {
  const abs = Math.abs(ns);
  if (abs >= 1e6) return `${(ns / 1e6).toFixed(abs >= 1e8 ? 1 : 2)} ms`;
  if (abs >= 1e3) return `${(ns / 1e3).toFixed(abs >= 1e4 ? 1 : 2)} µs`;
  return `${ns.toFixed(0)} ns`;
}
