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
  for (const [label, value] of charts) chart(wrap, ok, label, value, colour, best);
  const notes = [];
  if (rec.lowestTpot) notes.push(`lowest TPOT that fits: EP ${rec.lowestTpot.ep} with ${rec.lowestTpot.schedule} (${rec.lowestTpot.tpotMs} ms)`);
  if (rec.bestThroughputUnderTarget) {
    const b = rec.bestThroughputUnderTarget;
    notes.push(`most tokens/s per GPU with TPOT <= ${b.tpotTargetMs} ms: EP ${b.ep} with ${b.schedule} (${b.tokensPerSecPerGpu})`);
  }
  if (rec.fastest) notes.push(`shortest step that fits: EP ${rec.fastest.ep} with ${rec.fastest.schedule}`);
  if (rec.note) notes.push(rec.note);
  const failed = sweep.points.filter((p) => p.error);
  if (failed.length) notes.push(`${failed.length} point(s) could not run, e.g. EP ${failed[0].ep} ${failed[0].schedule}: ${failed[0].error}`);
  d3.select(element).append('p').attr('id', 'sweep-recommendation').text(notes.join(' · '));
}

function chart(wrap, points, label, value, colour, best) {
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
  for (const [schedule, list] of d3.group(points, (p) => p.schedule)) {
    const sorted = list.slice().sort((a, b) => a.ep - b.ep);
    svg.append('path').attr('fill', 'none').attr('stroke', colour(schedule)).attr('stroke-width', 1.5)
      .attr('d', d3.line().x((p) => x(p.ep)).y((p) => y(value(p.metrics)))(sorted));
    for (const p of sorted) {
      const cx = x(p.ep);
      const cy = y(value(p.metrics));
      const fits = p.metrics.fitsInMemory;
      svg.append('circle').attr('class', fits ? 'point' : 'point no-fit').attr('cx', cx).attr('cy', cy).attr('r', 4)
        .attr('fill', fits ? colour(schedule) : '#fff').attr('stroke', colour(schedule))
        .append('title').text(`${schedule}, EP ${p.ep}: ${value(p.metrics)}${fits ? '' : ' (does not fit in memory)'}`);
      if (!fits) svg.append('path').attr('d', `M${cx - 4},${cy - 4}L${cx + 4},${cy + 4}M${cx - 4},${cy + 4}L${cx + 4},${cy - 4}`).attr('stroke', '#b00020');
      if (best && best.ep === p.ep && best.schedule === schedule) {
        svg.append('circle').attr('class', 'recommended').attr('cx', cx).attr('cy', cy).attr('r', 9).attr('fill', 'none').attr('stroke', '#111').attr('stroke-width', 2);
      }
    }
  }
  const legend = svg.append('g').attr('transform', `translate(${m.left + 8},${m.top + 4})`);
  [...new Set(points.map((p) => p.schedule))].forEach((s, i) => {
    legend.append('rect').attr('x', 0).attr('y', i * 13).attr('width', 9).attr('height', 9).attr('fill', colour(s));
    legend.append('text').attr('x', 13).attr('y', i * 13 + 8).text(s);
  });
}
