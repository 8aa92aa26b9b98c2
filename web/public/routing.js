// The routing view. First what the run simulated, per MoE layer of the simulated model (for a
// fitted routing that is the fitted model: its layers, experts and top-k): each FFN expert's load
// in the step as a heatmap, and the mean FFN (non-zero) experts per token per layer with the
// histogram over all layers. Then the raw trace it came from: the traced text with each token
// coloured by the FFN experts it used (mean over layers), the trace's expert load per layer and
// its FFN-experts-per-token histogram.
/* global d3 */

/**
 * @param {HTMLElement} element @param {{ simulated?: any, trace?: any, traceNote?: string }} data
 * @param {{ kind?: string, description?: string }} [source] result.json's trace: described here when there is no routing.json
 */
export function drawRouting(element, data, source) {
  element.innerHTML = '';
  element.classList.remove('hint');
  const root = d3.select(element);
  if (data.simulated) drawSimulated(root.append('div').attr('id', 'routing-simulated'), data.simulated, Boolean(data.trace));
  else if (source?.description) root.append('p').attr('id', 'routing-source').html(`<b>Simulated</b>: <span class="hint">${esc(sourceText(source.kind, source.description))}</span>`);
  if (data.trace) {
    const box = root.append('details').attr('id', 'routing-trace').property('open', !data.simulated || data.simulated.source.kind === 'trace');
    box.append('summary').text(`source: the raw trace (${data.trace.model.name}: ${data.trace.model.layers} MoE layers, ${data.trace.model.ffnExperts} FFN + ${data.trace.model.zeroExperts} zero experts, top-${data.trace.model.topk}, ${data.trace.tokensInTrace.toLocaleString('en-US')} tokens)`);
    drawTrace(box.append('div'), data.trace);
  } else if (data.traceNote) {
    root.append('p').attr('class', 'hint').text(data.traceNote);
  }
}

function drawSimulated(root, sim, hasTrace) {
  root.append('p').html(
    `<b>Simulated</b>: ${sim.layers} MoE layers of ${esc(sim.model)}, ${sim.ffnExperts} FFN + ${sim.zeroExperts} zero experts, top-${sim.topk}; ` +
      `the step's ${sim.tokens.toLocaleString('en-US')} tokens. <span class="hint">${esc(sourceText(sim.source.kind, sim.source.description))}${hasTrace ? ' (the raw trace is below)' : ''}</span>`,
  );
  const row = root.append('div').attr('class', 'routing-row');
  heatmap(row, sim.load, 'routing-sim-heatmap', `expert load per layer in the step (token-expert assignments, ${sim.ffnExperts} FFN experts)`);
  perLayer(row, sim);
  const histogram = sim.ffnHistogram[0].map((_, n) => d3.sum(sim.ffnHistogram, (h) => h[n]));
  bars(row, histogram, 'routing-sim-histogram', 'FFN experts per token (tokens x layers)', sim.topk);
}

/**
 * The routing source as one line: its description, with "kind: " in front only where the
 * description does not already start with the kind (the simulator's do: "fitted from trace …",
 * "trace traces/x.trace …", "uniform routing …"), so it never reads "fitted: fitted from trace".
 */
export function sourceText(kind, description) {
  const d = String(description ?? '');
  if (!kind) return d;
  const k = String(kind);
  return d.toLowerCase().startsWith(k.toLowerCase()) && !/[\w-]/.test(d.charAt(k.length)) ? d : `${k}: ${d}`;
}

function drawTrace(root, summary) {
  const k = summary.model.topk;
  const colour = d3.scaleSequential(d3.interpolateViridis).domain([0, k]);
  root.append('p').attr('class', 'hint').text(
    `${summary.tokensInTrace} tokens traced, ${summary.meanFfnPerToken.toFixed(2)} FFN experts per token on average` +
      (summary.tokens.length < summary.tokensInTrace ? ` (first ${summary.tokens.length} tokens shown)` : ''),
  );
  const legend = root.append('svg').attr('width', 260).attr('height', 30);
  const grad = legend.append('defs').append('linearGradient').attr('id', 'ffn-gradient');
  for (let i = 0; i <= 10; i++) grad.append('stop').attr('offset', `${i * 10}%`).attr('stop-color', colour((i / 10) * k));
  legend.append('rect').attr('x', 0).attr('y', 0).attr('width', 200).attr('height', 10).attr('fill', 'url(#ffn-gradient)');
  legend.append('text').attr('x', 0).attr('y', 24).text('0 FFN experts');
  legend.append('text').attr('x', 200).attr('y', 24).attr('text-anchor', 'end').text(`${k}`);
  const text = root.append('div').attr('class', 'tokens').attr('id', 'routing-tokens');
  text.selectAll('span').data(summary.tokens).join('span')
    .style('background', (t) => colour(t.ffn))
    .style('color', (t) => (t.ffn > k * 0.6 ? '#000' : '#fff'))
    .attr('title', (t) => `${t.ffn} FFN experts (mean over layers)${t.domain ? `, ${t.domain}` : ''}`)
    .text((t) => t.text);
  const row = root.append('div').attr('class', 'routing-row');
  heatmap(row, summary.load, 'routing-heatmap', 'expert load per layer in the trace (token-expert assignments)');
  bars(row, summary.histogram, 'routing-histogram', 'FFN experts per token (tokens x layers)', k);
}

function heatmap(row, load, id, title) {
  const experts = load[0]?.length ?? 0;
  const cell = Math.max(1, Math.min(20, Math.floor(560 / Math.max(1, experts))));
  const rowH = Math.max(3, Math.min(14, Math.floor(280 / Math.max(1, load.length))));
  const left = 56;
  const w = experts * cell + left + 4;
  const h = load.length * rowH + 30;
  const box = row.append('div');
  box.append('div').attr('class', 'hint').text(title);
  const canvas = box.append('canvas').attr('id', id).attr('width', w).attr('height', h).node();
  const ctx = canvas.getContext('2d');
  const max = d3.max(load.flat()) || 1;
  const colour = d3.scaleSequential(d3.interpolateInferno).domain([0, max]);
  ctx.font = '10px system-ui';
  const labelEvery = Math.ceil(12 / rowH);
  load.forEach((layer, l) => {
    if (l % labelEvery === 0) {
      ctx.fillStyle = '#333';
      ctx.fillText(`layer ${l}`, 0, l * rowH + Math.min(rowH, 10));
    }
    layer.forEach((v, e) => {
      ctx.fillStyle = colour(v);
      ctx.fillRect(left + e * cell, l * rowH, cell, rowH - (rowH > 4 ? 1 : 0));
    });
  });
  ctx.fillStyle = '#333';
  ctx.fillText(`expert 0 … ${experts - 1}; darkest ${0}, brightest ${max}`, left, load.length * rowH + 16);
}

/** Axis titles under the x axis and along the y axis (class axis-label), inside the margins. */
function axisLabels(svg, { w, h, m }, x, y) {
  svg.append('text').attr('class', 'axis-label x-label').attr('x', (m.left + w - m.right) / 2).attr('y', h - 4).attr('text-anchor', 'middle').text(x);
  svg.append('text').attr('class', 'axis-label y-label').attr('transform', `translate(11,${(m.top + h - m.bottom) / 2}) rotate(-90)`).attr('text-anchor', 'middle').text(y);
}

function perLayer(row, sim) {
  const data = sim.meanFfnPerToken.map((v, l) => ({ l, v }));
  const w = 300;
  const h = 196;
  const m = { top: 20, right: 10, bottom: 44, left: 50 };
  const x = d3.scaleBand().domain(data.map((d) => d.l)).range([m.left, w - m.right]).padding(0.15);
  const y = d3.scaleLinear().domain([0, sim.topk]).range([h - m.bottom, m.top]);
  const svg = row.append('svg').attr('id', 'routing-sim-per-layer').attr('width', w).attr('height', h);
  svg.append('text').attr('x', m.left).attr('y', 12).text('mean FFN experts per token, per layer');
  svg.append('g').attr('transform', `translate(0,${h - m.bottom})`).call(d3.axisBottom(x).tickValues(data.filter((d) => d.l % Math.ceil(data.length / 10) === 0).map((d) => d.l)));
  svg.append('g').attr('transform', `translate(${m.left},0)`).call(d3.axisLeft(y).ticks(4));
  svg.selectAll('rect.bar').data(data).join('rect').attr('class', 'bar')
    .attr('x', (d) => x(d.l)).attr('y', (d) => y(d.v)).attr('width', x.bandwidth()).attr('height', (d) => y(0) - y(d.v)).attr('fill', '#4e79a7')
    .append('title').text((d) => `layer ${d.l}: ${d.v.toFixed(2)}`);
  axisLabels(svg, { w, h, m }, 'MoE layer', 'FFN experts / token');
}

/** The histogram of FFN experts per token: how many (token, layer) pairs picked n FFN experts of their top-k. */
function bars(row, histogram, id, title, topk) {
  const data = histogram.map((count, n) => ({ n, count }));
  const w = 300;
  const h = 196;
  const m = { top: 20, right: 10, bottom: 44, left: 62 };
  const x = d3.scaleBand().domain(data.map((d) => d.n)).range([m.left, w - m.right]).padding(0.1);
  const y = d3.scaleLinear().domain([0, d3.max(data, (d) => d.count) || 1]).nice().range([h - m.bottom, m.top]);
  const svg = row.append('svg').attr('id', id).attr('width', w).attr('height', h);
  svg.append('text').attr('x', m.left).attr('y', 12).text(title);
  svg.append('g').attr('transform', `translate(0,${h - m.bottom})`).call(d3.axisBottom(x).tickValues(data.filter((d) => d.n % Math.ceil(data.length / 13) === 0).map((d) => d.n)));
  svg.append('g').attr('transform', `translate(${m.left},0)`).call(d3.axisLeft(y).ticks(4));
  svg.selectAll('rect.bar').data(data).join('rect').attr('class', 'bar')
    .attr('x', (d) => x(d.n)).attr('y', (d) => y(d.count)).attr('width', x.bandwidth()).attr('height', (d) => y(0) - y(d.count)).attr('fill', '#4e79a7')
    .append('title').text((d) => `${d.n} FFN experts: ${d.count.toLocaleString('en-US')} tokens x layers`);
  axisLabels(svg, { w, h, m }, `FFN experts per token (of top-${topk})`, 'tokens x layers');
}

function esc(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}
