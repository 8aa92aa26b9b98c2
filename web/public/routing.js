// The routing view: the traced text with each token coloured by the FFN (non-zero) experts it used
// (mean over layers), the load of every FFN expert per layer as a heatmap, and the histogram of
// FFN experts per token.
/* global d3 */

/** @param {HTMLElement} element @param {any} summary the server's routing summary */
export function drawRouting(element, summary) {
  element.innerHTML = '';
  element.classList.remove('hint');
  const k = summary.model.topk;
  const colour = d3.scaleSequential(d3.interpolateViridis).domain([0, k]);
  const root = d3.select(element);
  root.append('p').attr('class', 'hint').text(
    `${summary.model.name}: ${summary.model.ffnExperts} FFN + ${summary.model.zeroExperts} zero experts, top-${k}, ${summary.model.layers} MoE layers; ` +
      `${summary.tokensInTrace} tokens traced, ${summary.meanFfnPerToken.toFixed(2)} FFN experts per token on average` +
      (summary.tokens.length < summary.tokensInTrace ? ` (first ${summary.tokens.length} tokens shown)` : ''),
  );
  // Legend.
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
  heatmap(row, summary);
  histogram(row, summary);
}

function heatmap(row, summary) {
  const { load } = summary;
  const experts = load[0]?.length ?? 0;
  const cell = Math.max(1, Math.min(8, Math.floor(600 / Math.max(1, experts))));
  const w = experts * cell + 60;
  const h = load.length * 14 + 30;
  const box = row.append('div');
  box.append('div').attr('class', 'hint').text('expert load per layer (token-expert assignments)');
  const canvas = box.append('canvas').attr('id', 'routing-heatmap').attr('width', w).attr('height', h).node();
  const ctx = canvas.getContext('2d');
  const max = d3.max(load.flat()) || 1;
  const colour = d3.scaleSequential(d3.interpolateInferno).domain([0, max]);
  ctx.font = '11px system-ui';
  load.forEach((layer, l) => {
    ctx.fillStyle = '#333';
    ctx.fillText(`layer ${l}`, 0, l * 14 + 11);
    layer.forEach((v, e) => {
      ctx.fillStyle = colour(v);
      ctx.fillRect(50 + e * cell, l * 14, cell, 12);
    });
  });
  ctx.fillStyle = '#333';
  ctx.fillText(`expert 0 … ${experts - 1}; max load ${max}`, 50, load.length * 14 + 16);
}

function histogram(row, summary) {
  const data = summary.histogram.map((count, n) => ({ n, count }));
  const w = 340;
  const h = 180;
  const m = { top: 20, right: 10, bottom: 30, left: 50 };
  const x = d3.scaleBand().domain(data.map((d) => d.n)).range([m.left, w - m.right]).padding(0.1);
  const y = d3.scaleLinear().domain([0, d3.max(data, (d) => d.count) || 1]).nice().range([h - m.bottom, m.top]);
  const svg = row.append('svg').attr('id', 'routing-histogram').attr('width', w).attr('height', h);
  svg.append('text').attr('x', m.left).attr('y', 12).text('FFN experts per token (tokens x layers)');
  svg.append('g').attr('transform', `translate(0,${h - m.bottom})`).call(d3.axisBottom(x));
  svg.append('g').attr('transform', `translate(${m.left},0)`).call(d3.axisLeft(y).ticks(4));
  svg.selectAll('rect.bar').data(data).join('rect').attr('class', 'bar')
    .attr('x', (d) => x(d.n)).attr('y', (d) => y(d.count)).attr('width', x.bandwidth()).attr('height', (d) => y(0) - y(d.count)).attr('fill', '#4e79a7');
}
