// The whole cluster at once, to find the straggler: per schedule, the slowest GPUs by compute-busy
// time (with expert GEMM, exposed communication and expert tokens) against the mean GPU, what the
// expert imbalance costs the step, a way to jump to any GPU, and a heat strip of every GPU over
// the step (one row per GPU; the bar right of it is the GPU's total). Clicking the strip or a row
// of the table shows that GPU (and that moment) in the timeline.
/* global d3 */
import { EXPOSED_COLOUR } from './palette.js';
import { formatDuration } from './ticks.js';

const METRICS = {
  busy: { label: 'compute busy', test: (kind, comm) => !comm },
  gemm: { label: 'expert GEMM', test: (kind) => kind === 'expert-gemm' },
  exposed: { label: 'exposed communication', test: null },
};

/**
 * @param {HTMLElement} element
 * @param {{ file: any, result: any, onJump: (gpu: number, timeNs?: number) => void, schedule?: number }} o
 */
export function drawGpus(element, o) {
  const { file } = o;
  element.innerHTML = '';
  element.classList.remove('hint');
  if (!file.schedules.some((s) => s.gpus)) {
    element.classList.add('hint');
    element.textContent = 'this result was written by an older epsim without per-GPU figures; run it again to see them';
    return;
  }
  let schedule = Math.min(o.schedule ?? 0, file.schedules.length - 1);
  let metric = 'busy';
  const gpus = file.topology.gpus;

  const bar = document.createElement('div');
  bar.className = 'controls';
  bar.innerHTML = `<span id="gpu-schedules" class="tabs"></span>
    <label>colour by <select id="heat-metric">${Object.entries(METRICS).map(([k, m]) => `<option value="${k}">${m.label}</option>`).join('')}</select></label>
    <label>jump to GPU <input id="gpu-jump" type="number" min="0" max="${gpus - 1}" value="0" /></label><button id="gpu-jump-go">show</button>`;
  const headline = document.createElement('p');
  headline.id = 'straggler-headline';
  const row = document.createElement('div');
  row.className = 'gpu-row';
  const table = document.createElement('div');
  table.id = 'straggler-table';
  const strip = document.createElement('div');
  strip.className = 'heat';
  row.append(strip, table);
  element.append(bar, headline, row);

  const tabs = bar.querySelector('#gpu-schedules');
  file.schedules.forEach((s, i) => {
    const b = document.createElement('button');
    b.textContent = s.name;
    b.dataset.schedule = s.name;
    b.onclick = () => {
      schedule = i;
      render();
    };
    tabs.appendChild(b);
  });
  bar.querySelector('#heat-metric').onchange = (e) => {
    metric = e.target.value;
    render();
  };
  bar.querySelector('#gpu-jump-go').onclick = () => o.onJump(Number(bar.querySelector('#gpu-jump').value) || 0);

  function render() {
    for (const b of tabs.children) b.classList.toggle('selected', b.dataset.schedule === file.schedules[schedule].name);
    const s = file.schedules[schedule];
    const g = s.gpus;
    const order = d3.range(gpus).sort((a, b) => g.busyNs[b] - g.busyNs[a] || g.expertGemmNs[b] - g.expertGemmNs[a] || a - b);
    const mean = (a) => (a.length ? d3.mean(a) : 0);
    const slow = order[0];
    const straggler = o.result?.stragglers?.find((x) => x.schedule === s.name);
    const tokens = g.expertTokens.length === gpus;
    headline.innerHTML =
      `<b>${esc(s.name)}</b>: slowest GPUs <b>${order.slice(0, 4).join(', ')}</b>; gpu ${slow} computes ${formatDuration(g.busyNs[slow])} ` +
      `against a ${formatDuration(mean(g.busyNs))} mean (+${formatDuration(g.busyNs[slow] - mean(g.busyNs))}), ` +
      `${formatDuration(g.expertGemmNs[slow])} of it in expert GEMMs (mean ${formatDuration(mean(g.expertGemmNs))})` +
      (tokens ? ` for ${g.expertTokens[slow].toLocaleString('en-US')} expert tokens (mean ${Math.round(mean(g.expertTokens)).toLocaleString('en-US')})` : '') +
      (straggler ? `. Waiting at each layer for the most loaded GPU's experts costs up to <b>${formatDuration(straggler.expertImbalanceUs * 1000)}</b> per step (${(straggler.expertImbalanceShare * 100).toFixed(1)}% of it).` : '.');
    const top = order.slice(0, 8);
    const cell = (v) => `<td>${v}</td>`;
    table.innerHTML =
      '<table class="summary gpus"><thead><tr><th>GPU</th><th>busy</th><th>expert GEMM</th><th>exposed comm</th><th>expert tokens</th><th></th></tr></thead><tbody>' +
      top
        .map(
          (gpu) =>
            `<tr data-gpu="${gpu}"><td>gpu ${gpu} <span class="hint">node ${Math.floor(gpu / file.topology.gpusPerNode)}</span></td>${cell(formatDuration(g.busyNs[gpu]))}${cell(formatDuration(g.expertGemmNs[gpu]))}${cell(formatDuration(g.exposedCommNs[gpu]))}${cell(tokens ? g.expertTokens[gpu].toLocaleString('en-US') : '')}<td><button class="jump" data-gpu="${gpu}">show</button></td></tr>`,
        )
        .join('') +
      `<tr class="mean"><td>mean of ${gpus}</td>${cell(formatDuration(mean(g.busyNs)))}${cell(formatDuration(mean(g.expertGemmNs)))}${cell(formatDuration(mean(g.exposedCommNs)))}${cell(tokens ? Math.round(mean(g.expertTokens)).toLocaleString('en-US') : '')}<td></td></tr></tbody></table>`;
    for (const b of table.querySelectorAll('button.jump')) b.onclick = () => o.onJump(Number(b.dataset.gpu));
    // Marked red: the slowest GPUs that are notably slower than the mean (1%), not just first in a tie.
    const notable = order.slice(0, 4).filter((gpu) => g.busyNs[gpu] > mean(g.busyNs) * 1.01);
    drawStrip(strip, file, s, metric, new Set(notable), o.onJump);
    element.dataset.schedule = s.name;
    element.dataset.slowest = JSON.stringify(order.slice(0, 8));
  }
  render();
  return {
    showSchedule(name) {
      const i = file.schedules.findIndex((s) => s.name === name);
      if (i >= 0) {
        schedule = i;
        render();
      }
    },
  };
}

/** The heat strip: GPUs down, time across, colour = share of each pixel's time in `metric`. */
function drawStrip(element, file, s, metric, slowest, onJump) {
  element.innerHTML = '';
  const gpus = file.topology.gpus;
  const perRow = Math.max(1, Math.ceil(gpus / 256));
  const rows = Math.ceil(gpus / perRow);
  const rowPx = Math.max(1, Math.min(14, Math.floor(256 / rows)));
  const left = 56;
  const totals = 100;
  const width = Math.max(400, Math.min(1400, element.parentElement?.clientWidth || 900));
  const bins = width - left - totals - 8;
  const height = rows * rowPx + 32;
  const canvas = document.createElement('canvas');
  canvas.id = 'heat-strip';
  Object.assign(canvas.dataset, { left: String(left), rowPx: String(rowPx), perRow: String(perRow) });
  const ratio = window.devicePixelRatio || 1;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  element.appendChild(canvas);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  const binNs = s.makespanNs / bins;
  const cover = new Float32Array(rows * bins);
  const add = (gpu, a, b) => {
    const r = Math.floor(gpu / perRow);
    let i = Math.max(0, Math.floor(a / binNs));
    const last = Math.min(bins - 1, Math.floor(b / binNs));
    for (; i <= last; i++) cover[r * bins + i] += (Math.min(b, (i + 1) * binNs) - Math.max(a, i * binNs)) / binNs / perRow;
  };
  if (metric === 'exposed') {
    for (const [g, a, b] of s.exposed) add(g, a, b);
  } else {
    const comm = new Set(file.commKinds);
    const test = METRICS[metric].test;
    const kinds = file.kinds.map((k) => test(k, comm.has(k)));
    for (let i = 0; i < s.spans.gpu.length; i++) if (kinds[s.spans.kind[i]]) add(s.spans.gpu[i], s.spans.startNs[i], s.spans.endNs[i]);
  }
  const colour = metric === 'exposed' ? d3.interpolateRgb('#ffffff', EXPOSED_COLOUR) : d3.interpolateViridis;
  const image = ctx.createImageData(bins, rows);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < bins; i++) {
      const c = d3.rgb(colour(Math.min(1, cover[r * bins + i])));
      const p = (r * bins + i) * 4;
      image.data[p] = c.r;
      image.data[p + 1] = c.g;
      image.data[p + 2] = c.b;
      image.data[p + 3] = 255;
    }
  }
  // Scale the rows x bins image up to rowPx per row.
  const tile = document.createElement('canvas');
  tile.width = bins;
  tile.height = rows;
  tile.getContext('2d').putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tile, left, 0, bins, rows * rowPx);
  // Node boundaries and GPU labels.
  ctx.font = '10px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  ctx.fillStyle = '#374151';
  // Every GPU labelled where rows are tall enough, else one label per node (or every few nodes).
  const nodePx = (rowPx * file.topology.gpusPerNode) / perRow;
  const labelEvery = rowPx >= 11 ? 1 : Math.max(1, Math.ceil(12 / nodePx)) * file.topology.gpusPerNode;
  for (let gpu = 0; gpu < gpus; gpu += perRow) {
    const y = Math.floor(gpu / perRow) * rowPx;
    if (gpu > 0 && gpu % file.topology.gpusPerNode === 0) {
      ctx.fillStyle = 'rgba(255,255,255,0.7)';
      ctx.fillRect(left, y, bins, 1);
    }
    ctx.fillStyle = slowest.has(gpu) ? '#b91c1c' : '#374151';
    if (gpu % labelEvery === 0) ctx.fillText(`gpu ${gpu}`, 2, Math.min(y, rows * rowPx - 10));
  }
  // Per-GPU totals of the metric, on one scale, the slowest marked.
  const total = (gpu) => (metric === 'busy' ? s.gpus.busyNs[gpu] : metric === 'gemm' ? s.gpus.expertGemmNs[gpu] : s.gpus.exposedCommNs[gpu]);
  const max = d3.max(d3.range(gpus), total) || 1;
  for (let gpu = 0; gpu < gpus; gpu++) {
    const y = Math.floor(gpu / perRow) * rowPx;
    ctx.fillStyle = slowest.has(gpu) ? '#b91c1c' : '#9ca3af';
    ctx.fillRect(left + bins + 6, y, Math.max(1, (total(gpu) / max) * (totals - 10)), Math.max(1, rowPx - (rowPx > 3 ? 1 : 0)));
  }
  // The time axis under the strip; the totals' scale on a line of its own below it, so the step's
  // end and the longest total do not read as one label.
  ctx.fillStyle = '#374151';
  ctx.fillText('0', left, rows * rowPx + 4);
  ctx.textAlign = 'right';
  ctx.fillText(formatDuration(s.makespanNs), left + bins, rows * rowPx + 4);
  ctx.fillText(`bars: total per GPU, longest ${formatDuration(max)}`, left + bins + totals + 6, rows * rowPx + 17);
  ctx.textAlign = 'left';
  const caption = document.createElement('div');
  caption.className = 'hint';
  caption.id = 'heat-caption';
  const scale = metric === 'exposed' ? 'white 0% to crimson 100%' : 'dark purple 0% to yellow 100%';
  caption.textContent = `${gpus} GPUs x the step (0 to ${formatDuration(s.makespanNs)}); colour = share of the time in ${METRICS[metric].label}, ${scale}; the bars right of it: each GPU's ${METRICS[metric].label} over the whole step; click to show that GPU and moment in the timeline`;
  const tip = document.createElement('div');
  tip.className = 'hint';
  tip.id = 'heat-hover';
  tip.textContent = 'hover the strip for a GPU and moment';
  element.append(caption, tip);
  const at = (event) => {
    const rect = canvas.getBoundingClientRect();
    const px = event.clientX - rect.left - left;
    const r = Math.floor((event.clientY - rect.top) / rowPx);
    if (r < 0 || r >= rows) return undefined;
    return { gpu: Math.min(gpus - 1, r * perRow), t: Math.max(0, Math.min(s.makespanNs, (px / bins) * s.makespanNs)), inStrip: px >= 0 && px < bins, r, px };
  };
  canvas.addEventListener('mousemove', (event) => {
    const p = at(event);
    if (!p) return;
    const share = p.inStrip ? cover[p.r * bins + Math.floor(p.px)] : undefined;
    tip.textContent = `gpu ${p.gpu} (node ${Math.floor(p.gpu / file.topology.gpusPerNode)})` + (p.inStrip ? ` at ${formatDuration(p.t)}: ${Math.round(share * 100)}% ${METRICS[metric].label}` : `: ${formatDuration(total(p.gpu))} ${METRICS[metric].label} in the step`);
  });
  canvas.addEventListener('click', (event) => {
    const p = at(event);
    if (p) onJump(p.gpu, p.inStrip ? p.t : undefined);
  });
}

function esc(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}
