// Canvas timeline of one or more schedules on a shared time axis. Plain ES module + JSDoc (the
// browser loads it as is: no build step for a few hundred lines of drawing code).
// Rows: for each schedule, for each GPU in the selected range, one row per stream. Spans that are
// narrower than a pixel are drawn once per pixel column (the rest are counted as aggregated), so a
// 128-GPU, 28-layer step stays fast when zoomed out; zooming in shows every span.
/* global d3 */

const ROW = 12;
const GAP = 3;
const HEADER = 18;
const LABEL = 120;
const STREAM_ORDER = ['compute', 'comm', 'tp-comm', 'dp-comm'];

/**
 * @param {HTMLCanvasElement} canvas
 * @param {HTMLElement} tooltip
 * @param {any} file timeline.json (TimelineFile)
 */
export function createTimeline(canvas, tooltip, file) {
  const colour = d3.scaleOrdinal(d3.schemeTableau10).domain(file.kinds);
  const commKinds = new Set(file.commKinds);
  const blocks = file.schedules.map((s) => indexSchedule(s, file));
  const maxTime = d3.max(file.schedules, (s) => s.makespanNs) || 1;
  let gpuStart = 0;
  let gpuCount = Math.min(8, file.topology.gpus);
  let layout = [];
  let x = d3.scaleLinear().domain([0, maxTime]);
  let transform = d3.zoomIdentity;
  const ctx = canvas.getContext('2d');

  const zoom = d3
    .zoom()
    .scaleExtent([1, 1e6])
    .on('zoom', (event) => {
      transform = event.transform;
      draw();
    });
  d3.select(canvas).call(zoom);

  function relayout() {
    layout = [];
    let y = 0;
    blocks.forEach((b, si) => {
      layout.push({ type: 'header', y, schedule: si });
      y += HEADER;
      for (let g = gpuStart; g < Math.min(gpuStart + gpuCount, file.topology.gpus); g++) {
        for (const stream of b.streamsOf(g)) {
          layout.push({ type: 'row', y, schedule: si, gpu: g, stream });
          y += ROW;
        }
        y += GAP;
      }
    });
    const width = canvas.parentElement.clientWidth || 900;
    const ratio = window.devicePixelRatio || 1;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${y}px`;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(y * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    x.range([LABEL, width - 8]);
    zoom.translateExtent([[LABEL, 0], [width - 8, y]]).extent([[LABEL, 0], [width - 8, y]]);
  }

  function draw() {
    const t0 = performance.now();
    const xs = transform.rescaleX(x);
    const [d0, d1] = xs.domain();
    const width = canvas.clientWidth;
    ctx.clearRect(0, 0, width, canvas.clientHeight);
    ctx.font = '11px system-ui, sans-serif';
    const drawn = file.schedules.map(() => 0);
    let aggregated = 0;
    for (const item of layout) {
      const b = blocks[item.schedule];
      if (item.type === 'header') {
        ctx.fillStyle = '#111';
        ctx.fillText(`${b.name} — step ${formatTime(b.makespanNs)}`, 4, item.y + 13);
        continue;
      }
      ctx.fillStyle = '#555';
      ctx.fillText(`gpu${item.gpu} ${item.stream}`, 4, item.y + 10);
      if (item.stream === 'compute') {
        ctx.fillStyle = 'rgba(220, 38, 38, 0.25)';
        for (const [g, s, e] of b.exposed) {
          if (g !== item.gpu || e < d0 || s > d1) continue;
          const a = Math.max(LABEL, xs(s));
          ctx.fillRect(a, item.y, Math.max(1, Math.min(width, xs(e)) - a), ROW - 1);
        }
      }
      const [from, to] = b.rowRange(item.gpu, item.stream);
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
        const kind = file.kinds[b.spans.kind[i]];
        ctx.fillStyle = colour(kind);
        const left = Math.max(LABEL, a);
        ctx.fillRect(left, item.y + (commKinds.has(kind) ? 2 : 0), Math.max(1, Math.min(width, z) - left), commKinds.has(kind) ? ROW - 5 : ROW - 1);
        drawn[item.schedule]++;
      }
    }
    // Time axis ticks along the top of every block, right of its title.
    ctx.fillStyle = '#888';
    for (const item of layout) {
      if (item.type !== 'header') continue;
      const titleEnd = 12 + ctx.measureText(`${blocks[item.schedule].name} — step 000000.0 µs`).width;
      for (const t of xs.ticks(8)) {
        const px = xs(t);
        if (px < Math.max(LABEL, titleEnd)) continue;
        ctx.fillText(formatTime(t), px + 2, item.y + 13);
        ctx.fillRect(px, item.y + 14, 1, 4);
      }
    }
    canvas.dataset.domainStart = String(d0);
    canvas.dataset.domainEnd = String(d1);
    canvas.dataset.drawn = JSON.stringify(drawn);
    canvas.dataset.aggregated = String(aggregated);
    canvas.dataset.drawMs = (performance.now() - t0).toFixed(1);
  }

  canvas.addEventListener('mousemove', (event) => {
    const rect = canvas.getBoundingClientRect();
    const mx = event.clientX - rect.left;
    const my = event.clientY - rect.top;
    const item = layout.find((r) => r.type === 'row' && my >= r.y && my < r.y + ROW);
    const xs = transform.rescaleX(x);
    if (!item || mx < LABEL) return void (tooltip.hidden = true);
    const b = blocks[item.schedule];
    const t = xs.invert(mx);
    const slack = xs.invert(mx + 2) - t;
    const [from, to] = b.rowRange(item.gpu, item.stream);
    const i = firstEndingAfter(b.spans.endNs, from, to, t - slack);
    if (i >= to || b.spans.startNs[i] > t + slack) return void (tooltip.hidden = true);
    tooltip.hidden = false;
    tooltip.style.left = `${mx + 12}px`;
    tooltip.style.top = `${my + 12 + canvas.parentElement.scrollTop}px`;
    tooltip.textContent = describeSpan(file, b, i);
  });
  canvas.addEventListener('mouseleave', () => (tooltip.hidden = true));

  relayout();
  draw();
  return {
    setGpus(start, count) {
      gpuStart = Math.max(0, Math.min(start, file.topology.gpus - 1));
      gpuCount = count;
      relayout();
      draw();
    },
    resetZoom() {
      d3.select(canvas).call(zoom.transform, d3.zoomIdentity);
    },
    /** Zooms by factor k around time t (ns); for tests and buttons. */
    zoomAt(k, t) {
      d3.select(canvas).call(zoom.scaleBy, k, [transform.rescaleX(x)(t), 0]);
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
    streamsOf: (g) => streamsByGpu.get(g) ?? [],
    rowRange: (g, stream) => ranges.get(`${g}/${stream}`) ?? [0, 0],
  };
}

function formatTime(ns) {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(ns >= 1e7 ? 1 : 2)} ms`;
  return `${(ns / 1000).toFixed(ns >= 1e4 ? 0 : 1)} µs`;
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

function describeSpan(file, b, i) {
  const s = b.spans;
  const dur = s.endNs[i] - s.startNs[i];
  const lines = [
    file.names[s.name[i]],
    `${file.kinds[s.kind[i]]} on gpu${s.gpu[i]} ${file.streams[s.stream[i]]}`,
    `layer ${s.layer[i] < 0 ? '-' : s.layer[i]}, micro-batch ${s.microBatch[i] < 0 ? '-' : s.microBatch[i]}`,
    `${(s.startNs[i] / 1000).toFixed(2)} -> ${(s.endNs[i] / 1000).toFixed(2)} µs (${(dur / 1000).toFixed(2)} µs)`,
  ];
  if (s.bytes[i] > 0) lines.push(`${(s.bytes[i] / 1e6).toFixed(3)} MB`);
  if (s.flops[i] > 0) lines.push(`${(s.flops[i] / 1e9).toFixed(2)} GFLOP`);
  return lines.join('\n');
}

export function drawLegend(element, file) {
  const colour = d3.scaleOrdinal(d3.schemeTableau10).domain(file.kinds);
  element.innerHTML = file.kinds.map((k) => `<span style="--c:${colour(k)}">${k}</span>`).join('') + '<span style="--c:rgba(220,38,38,0.35)">exposed communication</span>';
}
