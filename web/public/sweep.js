// The EP sweep: x = EP group size, one line per schedule, for TPOT (decode) or step time, tokens/s
// per GPU and memory per GPU. Points that do not fit in memory are hollow and crossed; the
// recommendation is ringed.
/* global d3 */

/** @param {HTMLElement} element @param {any} sweep sweep.json */
export function drawSweep(element, sweep) {
  element.innerHTML = '';
  element.classList.remove('hint');
  const ok = sweep.points.filter((p) => p.metrics);
  if (ok.length === 0) {
    element.textContent = 'no sweep point could run';
    return;
  }
  const decode = ok.some((p) => p.metrics.tpotMs !== undefined);
  const charts = [
    decode ? ['TPOT (ms)', (m) => m.tpotMs] : ['step time (ms)', (m) => m.stepTimeUs / 1000],
    ['tokens/s per GPU', (m) => m.tokensPerSecPerGpu],
    ['memory per GPU (GiB)', (m) => m.memoryGiBPerGpu],
  ];
  const rec = sweep.recommendation;
  const best = rec.lowestTpot ?? rec.fastest;
  const wrap = d3.select(element).append('div').attr('class', 'charts');
  const schedules = [...new Set(ok.map((p) => p.schedule))];
  const colour = d3.scaleOrdinal(d3.schemeSet1).domain(schedules);
  // A sweep over batch sizes too: one line per (schedule, batch), dashed by batch.
  const batches = [...new Set(ok.map((p) => p.batch))].filter((b) => b !== undefined).sort((a, b) => a - b);
  for (const [label, value] of charts) chart(wrap, ok, label, value, colour, best, batches);
  const notes = [];
  const at = (p) => `EP ${p.ep}${p.batch === undefined ? '' : `, batch ${p.batch},`} with ${p.schedule}`;
  if (rec.lowestTpot) notes.push(`lowest TPOT that fits: ${at(rec.lowestTpot)} (${rec.lowestTpot.tpotMs} ms)`);
  if (rec.bestThroughputUnderTarget) {
    const b = rec.bestThroughputUnderTarget;
    notes.push(`most tokens/s per GPU with TPOT <= ${b.tpotTargetMs} ms: ${at(b)} (${Math.round(b.tokensPerSecPerGpu).toLocaleString('en-US')} tokens/s per GPU)`);
  }
  if (rec.fastest) notes.push(`shortest step that fits: ${at(rec.fastest)}`);
  if (rec.note) notes.push(rec.note);
  const failed = sweep.points.filter((p) => p.error);
  if (failed.length) notes.push(`${failed.length} point(s) could not run, e.g. EP ${failed[0].ep} ${failed[0].schedule}: ${failed[0].error}`);
  d3.select(element).append('p').attr('id', 'sweep-recommendation').text(notes.join(' · '));
}

function chart(wrap, points, label, value, colour, best, batches) {
  const w = 320;
  const h = 200;
  const m = { top: 20, right: 10, bottom: 30, left: 50 };
  const eps = [...new Set(points.map((p) => p.ep))].sort((a, b) => a - b);
  const x = d3.scalePoint().domain(eps).range([m.left, w - m.right]).padding(0.3);
  const y = d3.scaleLinear().domain([0, d3.max(points, (p) => value(p.metrics)) * 1.1 || 1]).nice().range([h - m.bottom, m.top]);
  const svg = wrap.append('svg').attr('class', 'chart').attr('width', w).attr('height', h);
  svg.append('g').attr('transform', `translate(0,${h - m.bottom})`).call(d3.axisBottom(x));
  svg.append('g').attr('transform', `translate(${m.left},0)`).call(d3.axisLeft(y).ticks(5));
  svg.append('text').attr('x', m.left).attr('y', 12).text(label);
  svg.append('text').attr('x', w - m.right).attr('y', h - 2).attr('text-anchor', 'end').text('EP group size');
  for (const [, list] of d3.group(points, (p) => `${p.schedule}|${p.batch ?? ''}`)) {
    const schedule = list[0].schedule;
    const batch = list[0].batch;
    const sorted = list.slice().sort((a, b) => a.ep - b.ep);
    const dash = batch === undefined ? null : ['', '6,3', '2,2', '8,2,2,2'][batches.indexOf(batch) % 4] || null;
    svg.append('path').attr('fill', 'none').attr('stroke', colour(schedule)).attr('stroke-width', 1.5).attr('stroke-dasharray', dash)
      .attr('d', d3.line().x((p) => x(p.ep)).y((p) => y(value(p.metrics)))(sorted))
      .append('title').text(batch === undefined ? schedule : `${schedule}, batch ${batch}`);
    for (const p of sorted) {
      const cx = x(p.ep);
      const cy = y(value(p.metrics));
      const fits = p.metrics.fitsInMemory;
      svg.append('circle').attr('class', fits ? 'point' : 'point no-fit').attr('cx', cx).attr('cy', cy).attr('r', 4)
        .attr('fill', fits ? colour(schedule) : '#fff').attr('stroke', colour(schedule))
        .append('title').text(`${schedule}, EP ${p.ep}${batch === undefined ? '' : `, batch ${batch}`}: ${value(p.metrics)}${fits ? '' : ' (does not fit in memory)'}`);
      if (!fits) svg.append('path').attr('d', `M${cx - 4},${cy - 4}L${cx + 4},${cy + 4}M${cx - 4},${cy + 4}L${cx + 4},${cy - 4}`).attr('stroke', '#b00020');
      if (best && best.ep === p.ep && best.schedule === schedule && best.batch === batch) {
        svg.append('circle').attr('class', 'recommended').attr('cx', cx).attr('cy', cy).attr('r', 9).attr('fill', 'none').attr('stroke', '#111').attr('stroke-width', 2);
      }
    }
  }
  const legend = svg.append('g').attr('transform', `translate(${m.left + 8},${m.top + 4})`);
  [...new Set(points.map((p) => p.schedule))].forEach((s, i) => {
    legend.append('rect').attr('x', 0).attr('y', i * 13).attr('width', 9).attr('height', 9).attr('fill', colour(s));
    legend.append('text').attr('x', 13).attr('y', i * 13 + 8).text(s);
  });
  const rows = new Set(points.map((p) => p.schedule)).size;
  batches.forEach((b, i) => {
    const yb = (rows + i) * 13 + 4;
    legend.append('line').attr('x1', 0).attr('x2', 9).attr('y1', yb).attr('y2', yb).attr('stroke', '#333').attr('stroke-dasharray', ['', '6,3', '2,2', '8,2,2,2'][i % 4] || null);
    legend.append('text').attr('x', 13).attr('y', yb + 4).text(`batch ${b}`);
  });
}
