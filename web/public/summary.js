// The answer at a glance: the result's table (the CLI's columns for its phase), its footnotes
// (emulations, what does not fit in memory, the reference figures), and bars on one scale: the
// step time of every schedule with its exposed-communication part, or for the a2a benchmark the
// dispatch and combine bandwidth next to DeepEP's published figures. With a second result, the
// table holds both and their differences, and the bars pair them up.
/* global d3 */
import { EXPOSED_COLOUR, KIND_COLOURS } from './palette.js';
import { formatDuration } from './ticks.js';

export function esc(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

/** What each column of the CLI's table means (docs/metrics.md), shown on hover over its header. */
export const COLUMN_HELP = {
  step: 'step time: from the step\'s first op to the last op of the last GPU (one decode iteration, prefill chunk or training step)',
  'TPOT ms': 'time per output token, ms: step time / tokens kept per sequence per step (1 + accepted MTP drafts)',
  'tok/s/user': 'output tokens per second one sequence sees: 1000 / TPOT ms',
  'tok/s/GPU': 'tokens per second per GPU over the step',
  MFU: 'model FLOPs utilisation: model FLOPs of the tokens the step trains / (step time x peak BF16 FLOP/s)',
  'exposed comm': 'exposed communication: share of the step a GPU communicates while none of its compute runs (mean over GPUs), the communication the schedule did not hide',
  'mem GiB/GPU': 'memory per GPU, GiB: weights, KV cache, activations and communication buffers; "no fit" above the topology\'s usable HBM',
  'GiB W/KV/act/buf': 'mem GiB/GPU split into weights (in training with gradients and optimizer states) / KV cache / activations / communication buffers',
  '$/M tok': 'dollars per million tokens at the scenario\'s costUsdPerGpuHour (default $2 per GPU-hour)',
  dispatch: 'mean over GPUs of the dispatch kernel time',
  combine: 'mean over GPUs of the combine kernel time',
  'dispatch GB/s': 'DeepEP\'s bottleneck bandwidth: bytes a GPU moves over its bottleneck link class (RDMA across nodes, else NVLink) / dispatch time',
  'combine GB/s': 'DeepEP\'s bottleneck bandwidth: bytes a GPU moves over its bottleneck link class (RDMA across nodes, else NVLink) / combine time',
  'DeepEP GB/s': 'dispatch / combine bandwidth DeepEP publishes at this EP size',
};

function th(column) {
  const help = COLUMN_HELP[column];
  return help ? `<th title="${esc(help)}" class="explained">${esc(column)}</th>` : `<th>${esc(column)}</th>`;
}

export function tableHtml(columns, rows, id = 'summary-table') {
  return `<table class="summary" id="${id}"><thead><tr>${columns.map(th).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** Notes under the table; the memory ones stand out. */
export function notesHtml(notes) {
  return notes.map((n) => `<li class="${/does not fit/.test(n) ? 'warn' : ''}">${esc(n)}</li>`).join('');
}

// What the comparison table shows per phase: [title, value, digits-or-format, which way is better].
const COMPARE = {
  decode: [
    ['step', (m) => m.stepTimeUs * 1000, 'time', -1],
    ['TPOT ms', (m) => m.tpotMs, 2, -1],
    ['tok/s/user', (m) => m.tokensPerSecPerUser, 1, 1],
    ['tok/s/GPU', (m) => m.tokensPerSecPerGpu, 0, 1],
    ['exposed comm', (m) => m.exposedCommFraction * 100, 'pct', -1],
    ['mem GiB/GPU', (m) => m.memoryGiBPerGpu, 'gib', -1],
    ['$/M tok', (m) => m.costUsdPerMillionTokens, 3, -1],
  ],
  prefill: [
    ['step', (m) => m.stepTimeUs * 1000, 'time', -1],
    ['tok/s/GPU', (m) => m.tokensPerSecPerGpu, 0, 1],
    ['exposed comm', (m) => m.exposedCommFraction * 100, 'pct', -1],
    ['mem GiB/GPU', (m) => m.memoryGiBPerGpu, 'gib', -1],
    ['$/M tok', (m) => m.costUsdPerMillionTokens, 3, -1],
  ],
  train: [
    ['step', (m) => m.stepTimeUs * 1000, 'time', -1],
    ['tok/s/GPU', (m) => m.tokensPerSecPerGpu, 0, 1],
    ['MFU', (m) => (m.mfu === undefined ? undefined : m.mfu * 100), 'pct', 1],
    ['exposed comm', (m) => m.exposedCommFraction * 100, 'pct', -1],
    ['mem GiB/GPU', (m) => m.memoryGiBPerGpu, 'gib', -1],
  ],
  a2a: [
    ['dispatch', (m) => m.dispatchUs * 1000, 'time', -1],
    ['dispatch GB/s', (m) => m.dispatchGBps, 1, 1],
    ['combine', (m) => m.combineUs * 1000, 'time', -1],
    ['combine GB/s', (m) => m.combineGBps, 1, 1],
  ],
};

function show(v, f) {
  if (v === undefined || v === null || Number.isNaN(v)) return '';
  if (f === 'time') return formatDuration(v);
  if (f === 'pct') return `${v.toFixed(1)}%`;
  // As the CLI's table: a small model's few MiB read "<0.1", not "0.0".
  if (f === 'gib') return v > 0 && v < 0.05 ? '<0.1' : v.toFixed(1);
  return v.toLocaleString('en-US', { minimumFractionDigits: f, maximumFractionDigits: f });
}

/** The difference B - A: percent for amounts, points for percentages; class says better or worse. */
function delta(a, b, f, better) {
  if (a === undefined || b === undefined || a === null || b === null) return { text: '', cls: '' };
  const d = b - a;
  const text = f === 'pct' ? `${d >= 0 ? '+' : ''}${d.toFixed(1)} pt` : a === 0 ? (d === 0 ? '0%' : '') : `${d >= 0 ? '+' : ''}${((d / a) * 100).toFixed(1)}%`;
  const cls = Math.abs(d) < 1e-9 || (f !== 'pct' && a !== 0 && Math.abs(d / a) < 0.0005) ? 'same' : Math.sign(d) === better ? 'better' : 'worse';
  return { text, cls };
}

/** Two results' metrics side by side per schedule: A, B and B - A. */
export function comparisonHtml(a, b, names) {
  const phase = a.result.scenario.workload.phase === b.result.scenario.workload.phase ? a.result.scenario.workload.phase : 'decode';
  const cols = COMPARE[phase] ?? COMPARE.decode;
  const schedules = [...new Set([...a.result.schedules.map((m) => m.name), ...b.result.schedules.map((m) => m.name)])];
  const head = `<tr><th>schedule</th><th>result</th>${cols.map(([t]) => th(t)).join('')}</tr>`;
  const body = schedules
    .map((name) => {
      const ma = a.result.schedules.find((m) => m.name === name);
      const mb = b.result.schedules.find((m) => m.name === name);
      // As the single table (and the CLI): "shared-overlap*" where the schedule is emulated, in A or B (the notes say which).
      const shown = ma?.emulation || mb?.emulation ? `${name}*` : name;
      const line = (label, m, cls) => `<tr class="${cls}"><td>${cls === 'a' ? esc(shown) : ''}</td><td>${esc(label)}</td>${cols.map(([, v, f]) => `<td>${m ? show(v(m), f) : '—'}</td>`).join('')}</tr>`;
      const diff = `<tr class="diff"><td></td><td>B − A</td>${cols
        .map(([, v, f, better]) => {
          const d = ma && mb ? delta(v(ma), v(mb), f, better) : { text: '', cls: '' };
          return `<td class="${d.cls}">${esc(d.text)}</td>`;
        })
        .join('')}</tr>`;
      return line(`A ${names[0]}`, ma, 'a') + line(`B ${names[1]}`, mb, 'b') + (ma && mb ? diff : '');
    })
    .join('');
  return `<table class="summary compare" id="compare-table"><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

/**
 * Step-time bars on one scale (one per schedule; with a second result, pairs), the exposed
 * communication part hatched crimson at the end of each bar.
 * @param {{ label: string, result: any }[]} results
 */
export function drawStepBars(element, results) {
  element.innerHTML = '';
  if (results[0].result.scenario.workload.phase === 'a2a') return drawBandwidthBars(element, results);
  const rows = [];
  const names = [...new Set(results.flatMap((r) => r.result.schedules.map((m) => m.name)))];
  for (const name of names) {
    results.forEach((r, i) => {
      const m = r.result.schedules.find((x) => x.name === name);
      if (m) rows.push({ name, tag: results.length > 1 ? (i === 0 ? 'A' : 'B') : '', i, ns: m.stepTimeUs * 1000, exposed: m.exposedCommFraction });
    });
  }
  const w = 330;
  const rowH = 18;
  const left = 110;
  const h = rows.length * rowH + 26;
  const x = d3.scaleLinear().domain([0, d3.max(rows, (r) => r.ns) || 1]).range([0, w - left - 70]);
  const svg = d3.select(element).append('svg').attr('id', 'step-bars').attr('width', w).attr('height', h);
  svg.append('text').attr('x', 0).attr('y', 12).attr('class', 'chart-title').text('step time (hatched: exposed communication)');
  const defs = svg.append('defs');
  const pattern = defs.append('pattern').attr('id', 'exposed-hatch').attr('width', 6).attr('height', 6).attr('patternUnits', 'userSpaceOnUse').attr('patternTransform', 'rotate(45)');
  pattern.append('rect').attr('width', 6).attr('height', 6).attr('fill', '#fff');
  pattern.append('rect').attr('width', 2.5).attr('height', 6).attr('fill', EXPOSED_COLOUR);
  const g = svg.append('g').attr('transform', 'translate(0,20)');
  const best = d3.min(rows, (r) => r.ns);
  rows.forEach((r, k) => {
    const y = k * rowH;
    g.append('text').attr('x', 0).attr('y', y + 12).text(`${r.tag ? `${r.tag} ` : ''}${r.name}`);
    g.append('rect').attr('class', 'step-bar').attr('data-schedule', r.name).attr('x', left).attr('y', y + 2).attr('width', x(r.ns)).attr('height', rowH - 5).attr('fill', r.i === 0 ? '#4b5563' : '#9ca3af');
    const e = x(r.ns * r.exposed);
    if (e > 0.5) g.append('rect').attr('x', left + x(r.ns) - e).attr('y', y + 2).attr('width', e).attr('height', rowH - 5).attr('fill', 'url(#exposed-hatch)');
    g.append('text').attr('x', left + x(r.ns) + 4).attr('y', y + 12).attr('class', r.ns === best ? 'best' : '').text(formatDuration(r.ns));
  });
}

/** a2a: dispatch and combine GB/s next to DeepEP's published normal-kernel figures at this EP. */
function drawBandwidthBars(element, results) {
  const rows = [];
  for (const r of results) {
    const m = r.result.schedules[0];
    const tag = results.length > 1 ? `${r.label} ` : '';
    rows.push({ label: `${tag}dispatch (epsim)`, v: m.dispatchGBps, c: KIND_COLOURS.dispatch });
    rows.push({ label: `${tag}combine (epsim)`, v: m.combineGBps, c: KIND_COLOURS.combine });
    const ref = r.deepep;
    if (ref) {
      rows.push({ label: `${tag}dispatch (DeepEP)`, v: ref.dispatchGBps, c: '#d1d5db' });
      rows.push({ label: `${tag}combine (DeepEP)`, v: ref.combineGBps, c: '#d1d5db' });
    }
  }
  const w = 340;
  const rowH = 18;
  const left = 120;
  const x = d3.scaleLinear().domain([0, d3.max(rows, (r) => r.v) || 1]).range([0, w - left - 60]);
  const svg = d3.select(element).append('svg').attr('id', 'bandwidth-bars').attr('width', w).attr('height', rows.length * rowH + 26);
  svg.append('text').attr('x', 0).attr('y', 12).attr('class', 'chart-title').text('bottleneck bandwidth, GB/s (as DeepEP counts it)');
  const g = svg.append('g').attr('transform', 'translate(0,20)');
  rows.forEach((r, k) => {
    const y = k * rowH;
    g.append('text').attr('x', 0).attr('y', y + 12).text(r.label);
    g.append('rect').attr('x', left).attr('y', y + 2).attr('width', x(r.v)).attr('height', rowH - 5).attr('fill', r.c);
    g.append('text').attr('x', left + x(r.v) + 4).attr('y', y + 12).text(r.v.toFixed(1));
  });
}
