// The timeline: one block per schedule (of one result, or of two results being compared), each a
// canvas on one shared time axis, each collapsible, each block's header carrying a step-time bar
// on the common scale. Plain ES module (the browser loads it as is; d3 is a global).
// Rows: for each GPU in the selected range, one row per stream. Spans narrower than a pixel are
// drawn once per pixel column (the rest are counted as aggregated), so a 128-GPU, 28-layer step
// stays fast zoomed out; zooming in shows every span. Colours come from the fixed palette;
// micro-batch 1 (TBO's second batch) is hatched; exposed communication is crimson stripes on the
// compute row, where that GPU computes nothing.
/* global d3 */
import { colourOf, EXPOSED_COLOUR, stripes } from './palette.js';
import { formatDuration, timeTicks } from './ticks.js';

const ROW = 12;
const GAP = 4;
const AXIS = 18;
const LABEL = 130;
const RIGHT = 10;
const STREAM_ORDER = ['compute', 'comm', 'tp-comm', 'dp-comm'];

/**
 * @param {HTMLElement} root where the blocks go
 * @param {HTMLElement} tooltip a positioned element for hover details
 */
export function createTimeline(root, tooltip) {
  /** @type {any[]} */
  let blocks = [];
  let gpuStart = 0;
  let gpuCount = 4;
  let gpus = 1;
  let marked = new Set();
  let transform = d3.zoomIdentity;
  const collapsed = new Set();
  const x = d3.scaleLinear();

  const zoom = d3
    .zoom()
    .scaleExtent([1, 1e7])
    .extent(function () {
      return [[LABEL, 0], [Math.max(LABEL + 1, this.clientWidth - RIGHT), Math.max(1, this.clientHeight)]];
    })
    .on('zoom', function (event) {
      transform = event.transform;
      for (const b of blocks) if (b.canvas !== this) d3.select(b.canvas).property('__zoom', transform);
      drawAll();
    });

  function maxTime() {
    return d3.max(blocks, (b) => b.makespanNs) || 1;
  }

  function build() {
    root.innerHTML = '';
    for (const b of blocks) {
      const section = document.createElement('section');
      section.className = 'tl-block';
      section.dataset.block = b.id;
      const head = document.createElement('div');
      head.className = 'tl-head';
      const toggle = document.createElement('button');
      toggle.className = 'tl-toggle';
      toggle.title = 'collapse or expand this schedule';
      toggle.onclick = () => {
        if (collapsed.has(b.id)) collapsed.delete(b.id);
        else collapsed.add(b.id);
        layoutAll();
        drawAll();
      };
      const bar = document.createElement('span');
      bar.className = 'tl-bar';
      bar.title = `step time ${formatDuration(b.makespanNs)}, on one scale with the other schedules' bars (full width: the slowest)`;
      const title = document.createElement('span');
      title.className = 'tl-title';
      title.innerHTML = `<b>${esc(b.label)}</b> <span class="tl-step">${formatDuration(b.makespanNs)}</span>${b.note ? ` <span class="tl-note ${b.noteClass ?? ''}">${esc(b.note)}</span>` : ''}`;
      head.append(toggle, title, bar);
      const canvas = document.createElement('canvas');
      canvas.className = 'tl-canvas';
      section.append(head, canvas);
      root.appendChild(section);
      Object.assign(b, { section, toggle, bar, canvas, ctx: canvas.getContext('2d') });
      d3.select(canvas).call(zoom).property('__zoom', transform);
      canvas.addEventListener('mousemove', (event) => hover(b, event));
      canvas.addEventListener('mouseleave', () => (tooltip.hidden = true));
    }
    layoutAll();
  }

  function layoutAll() {
    const width = Math.max(400, root.clientWidth || 900);
    x.domain([0, maxTime()]).range([LABEL, width - RIGHT]);
    zoom.translateExtent([[LABEL, -1e9], [width - RIGHT, 1e9]]);
    const ratio = window.devicePixelRatio || 1;
    for (const b of blocks) {
      const closed = collapsed.has(b.id);
      b.toggle.textContent = closed ? '▸' : '▾';
      b.section.classList.toggle('collapsed', closed);
      b.bar.style.width = `${Math.max(2, (b.makespanNs / maxTime()) * 260)}px`;
      b.rows = [];
      let y = AXIS;
      for (let g = gpuStart; g < Math.min(gpuStart + gpuCount, gpus); g++) {
        for (const stream of b.streamsOf(g)) {
          b.rows.push({ y, gpu: g, stream });
          y += ROW;
        }
        y += GAP;
      }
      b.canvas.style.display = closed ? 'none' : 'block';
      b.canvas.style.width = `${width}px`;
      b.canvas.style.height = `${y}px`;
      b.canvas.width = Math.round(width * ratio);
      b.canvas.height = Math.round(y * ratio);
      b.ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      b.hatch = stripes(b.ctx, null, 'rgba(255,255,255,0.6)');
      b.exposedFill = stripes(b.ctx, '#fff', EXPOSED_COLOUR);
    }
  }

  function drawAll() {
    const t0 = performance.now();
    const xs = transform.rescaleX(x);
    const [d0, d1] = xs.domain();
    const ticks = timeTicks(d0, d1, Math.max(2, Math.floor((x.range()[1] - LABEL) / 120)));
    const drawn = [];
    const colours = {};
    let aggregated = 0;
    for (const b of blocks) {
      if (collapsed.has(b.id)) {
        drawn.push(0);
        continue;
      }
      const r = drawBlock(b, xs, d0, d1, ticks, (colours[b.result] ??= {}));
      drawn.push(r.drawn);
      aggregated += r.aggregated;
    }
    Object.assign(root.dataset, {
      domainStart: String(d0),
      domainEnd: String(d1),
      ticks: JSON.stringify(ticks.map((t) => t.label)),
      drawn: JSON.stringify(drawn),
      aggregated: String(aggregated),
      colours: JSON.stringify(colours),
      gpuStart: String(gpuStart),
      drawMs: (performance.now() - t0).toFixed(1),
    });
  }

  function drawBlock(b, xs, d0, d1, ticks, colours) {
    const { ctx } = b;
    const width = b.canvas.clientWidth;
    const height = b.canvas.clientHeight;
    ctx.clearRect(0, 0, width, height);
    ctx.font = '11px system-ui, sans-serif';
    // Axis: ticks and grid lines, and where this schedule's step ends.
    ctx.fillStyle = '#f3f4f6';
    ctx.fillRect(LABEL, 0, width - LABEL - RIGHT, AXIS - 2);
    for (const { t, label } of ticks) {
      const px = xs(t);
      ctx.fillStyle = '#e5e7eb';
      ctx.fillRect(px, AXIS - 2, 1, height - AXIS);
      ctx.fillStyle = '#374151';
      if (px + 3 + ctx.measureText(label).width <= width - RIGHT) ctx.fillText(label, px + 3, 12);
      ctx.fillRect(px, AXIS - 6, 1, 4);
    }
    const end = xs(b.makespanNs);
    if (end >= LABEL && end <= width) {
      ctx.fillStyle = '#111';
      ctx.fillRect(end, AXIS - 2, 1.5, height - AXIS + 2);
    }
    let drawnCount = 0;
    let aggregated = 0;
    for (const row of b.rows) {
      ctx.fillStyle = marked.has(row.gpu) ? '#b91c1c' : '#4b5563';
      ctx.font = marked.has(row.gpu) && row.stream === 'compute' ? 'bold 11px system-ui, sans-serif' : '11px system-ui, sans-serif';
      ctx.fillText(`gpu${row.gpu} ${row.stream}`, 4, row.y + 10);
      if (row.stream === 'compute') {
        for (const [g, s, e] of b.exposed) {
          if (g !== row.gpu || e < d0 || s > d1) continue;
          const a = Math.max(LABEL, xs(s));
          const w = Math.max(1, Math.min(width - RIGHT, xs(e)) - a);
          ctx.fillStyle = b.exposedFill;
          ctx.fillRect(a, row.y, w, ROW - 1);
          ctx.fillStyle = EXPOSED_COLOUR;
          ctx.fillRect(a, row.y + ROW - 3, w, 2);
        }
      }
      const [from, to] = b.rowRange(row.gpu, row.stream);
      let i = firstEndingAfter(b.spans.endNs, from, to, d0);
      let lastPixel = -1;
      for (; i < to; i++) {
        const start = b.spans.startNs[i];
        if (start > d1) break;
        const a = xs(start);
        const z = xs(b.spans.endNs[i]);
        const px = Math.floor(a);
        if (z - a < 1 && px === lastPixel) {
          aggregated++;
          continue;
        }
        lastPixel = px;
        const kind = b.kinds[b.spans.kind[i]];
        const colour = colourOf(kind);
        colours[kind] = colour;
        const comm = b.commKinds.has(kind);
        const left = Math.max(LABEL, a);
        const w = Math.max(1, Math.min(width - RIGHT, z) - left);
        const top = row.y + (comm ? 2 : 0);
        const h = comm ? ROW - 5 : ROW - 1;
        ctx.fillStyle = colour;
        ctx.fillRect(left, top, w, h);
        if (b.spans.microBatch[i] % 2 === 1 && w >= 3) {
          ctx.fillStyle = b.hatch;
          ctx.fillRect(left, top, w, h);
        }
        drawnCount++;
      }
    }
    return { drawn: drawnCount, aggregated };
  }

  function hover(b, event) {
    const rect = b.canvas.getBoundingClientRect();
    const mx = event.clientX - rect.left;
    const my = event.clientY - rect.top;
    const row = b.rows.find((r) => my >= r.y && my < r.y + ROW);
    const xs = transform.rescaleX(x);
    if (!row || mx < LABEL) return void (tooltip.hidden = true);
    const t = xs.invert(mx);
    const slack = xs.invert(mx + 2) - t;
    const [from, to] = b.rowRange(row.gpu, row.stream);
    const i = firstEndingAfter(b.spans.endNs, from, to, t - slack);
    if (i >= to || b.spans.startNs[i] > t + slack) return void (tooltip.hidden = true);
    tooltip.hidden = false;
    const host = tooltip.parentElement.getBoundingClientRect();
    tooltip.style.left = `${event.clientX - host.left + 14}px`;
    tooltip.style.top = `${event.clientY - host.top + 14}px`;
    tooltip.textContent = `${b.label}\n${describeSpan(b, i)}`;
  }

  function zoomTarget() {
    return blocks.find((b) => !collapsed.has(b.id))?.canvas;
  }

  return {
    /**
     * @param {{ id: string, label: string, result: string, note?: string, noteClass?: string, file: any, schedule: any }[]} list
     */
    setBlocks(list) {
      blocks = list.map((item) => ({ ...item, ...indexSchedule(item.schedule, item.file) }));
      gpus = d3.max(list, (item) => item.file.topology.gpus) || 1;
      transform = d3.zoomIdentity;
      build();
      drawAll();
    },
    setGpus(start, count) {
      gpuCount = count;
      gpuStart = Math.max(0, Math.min(start, gpus - 1));
      layoutAll();
      drawAll();
    },
    /** GPUs whose labels are drawn in red (the stragglers). */
    markGpus(list) {
      marked = new Set(list);
      drawAll();
    },
    /** Folds every schedule away (true) or opens them all (false). */
    setCollapsed(all) {
      for (const b of blocks) {
        if (all) collapsed.add(b.id);
        else collapsed.delete(b.id);
      }
      layoutAll();
      drawAll();
    },
    get gpuStart() {
      return gpuStart;
    },
    resize() {
      layoutAll();
      drawAll();
    },
    resetZoom() {
      const c = zoomTarget();
      if (c) d3.select(c).call(zoom.transform, d3.zoomIdentity);
    },
    /** Zooms by factor k around time t (ns). */
    zoomAt(k, t) {
      const c = zoomTarget();
      if (c) d3.select(c).call(zoom.scaleBy, k, [transform.rescaleX(x)(t), 0]);
    },
    /** Shows [t0, t1] (ns). */
    zoomTo(t0, t1) {
      const c = zoomTarget();
      if (!c || !(t1 > t0)) return;
      // x(t) * k + tx maps t0 to the left edge and t1 to the right edge.
      const [r0, r1] = x.range();
      const k = Math.max(1, (r1 - r0) / (x(t1) - x(t0)));
      d3.select(c).call(zoom.transform, d3.zoomIdentity.translate(r0 - k * x(t0), 0).scale(k));
    },
  };
}

/** Per (gpu, stream) index ranges into the schedule's spans (sorted by gpu, stream, start). */
function indexSchedule(s, file) {
  const ranges = new Map();
  const streamsByGpu = new Map();
  const n = s.spans.gpu.length;
  let i = 0;
  while (i < n) {
    const g = s.spans.gpu[i];
    const st = s.spans.stream[i];
    let j = i;
    while (j < n && s.spans.gpu[j] === g && s.spans.stream[j] === st) j++;
    const name = file.streams[st];
    ranges.set(`${g}/${name}`, [i, j]);
    if (!streamsByGpu.has(g)) streamsByGpu.set(g, []);
    streamsByGpu.get(g).push(name);
    i = j;
  }
  for (const list of streamsByGpu.values()) list.sort((a, b) => order(a) - order(b));
  return {
    name: s.name,
    makespanNs: s.makespanNs,
    spans: s.spans,
    exposed: s.exposed,
    kinds: file.kinds,
    names: file.names,
    streams: file.streams,
    commKinds: new Set(file.commKinds),
    streamsOf: (g) => streamsByGpu.get(g) ?? [],
    rowRange: (g, stream) => ranges.get(`${g}/${stream}`) ?? [0, 0],
  };
}

function order(stream) {
  const i = STREAM_ORDER.indexOf(stream);
  return i < 0 ? STREAM_ORDER.length : i;
}

/** First index in [from, to) whose end is >= t (ends are increasing within a stream row). */
function firstEndingAfter(ends, from, to, t) {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ends[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function describeSpan(b, i) {
  const s = b.spans;
  const dur = s.endNs[i] - s.startNs[i];
  const lines = [
    b.names[s.name[i]],
    `${b.kinds[s.kind[i]]} on gpu${s.gpu[i]} ${b.streams[s.stream[i]]}`,
    `layer ${s.layer[i] < 0 ? '-' : s.layer[i]}, micro-batch ${s.microBatch[i] < 0 ? '-' : s.microBatch[i]}`,
    `${(s.startNs[i] / 1000).toFixed(3)} -> ${(s.endNs[i] / 1000).toFixed(3)} µs (${formatDuration(dur)})`,
  ];
  if (s.bytes[i] > 0) lines.push(`${(s.bytes[i] / 1e6).toFixed(3)} MB ${b.commKinds.has(b.kinds[s.kind[i]]) ? 'sent' : 'read and written (HBM)'}`);
  if (s.flops[i] > 0) lines.push(`${(s.flops[i] / 1e9).toFixed(2)} GFLOP`);
  return lines.join('\n');
}

function esc(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

/** The legend: every op kind of the shown results in its fixed colour, the micro-batch hatch, the exposed mark. */
export function drawLegend(element, files) {
  const kinds = [...new Set(files.flatMap((f) => f.kinds))];
  const tbo = files.some((f) => f.schedules.some((s) => s.spans.microBatch.some((m) => m > 0)));
  element.innerHTML =
    kinds.map((k) => `<span class="swatch" data-kind="${esc(k)}" style="--c:${colourOf(k)}">${esc(k)}</span>`).join('') +
    (tbo ? '<span class="swatch hatched" style="--c:#888">micro-batch 1 (hatched)</span>' : '') +
    '<span class="swatch exposed">exposed communication (GPU computes nothing)</span>';
}
