// The sweep view: the answer to the sweep's targets, then the frontier chart (tokens/s per GPU
// against tokens/s per user for decode, against the step time for prefill and training; every
// point that fits in memory, those off the frontier faded, the recommended point ringed, each
// point hoverable with its layout), the legend beside the plot, and the frontier as a table.
// Also starts a sweep from the page (POST /api/sweeps) and shows its progress.
/* global d3 */

const SCHEDULE_COLOURS = { serial: '#4b5563', 'shared-overlap': '#d97706', tbo: '#2563eb', 'scmoe-sbo': '#059669', 'scmoe-chunked': '#7c3aed', a2a: '#db2777' };
const fmt = (x, digits = 0) => (x === undefined || x === null ? '' : Number(x).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

/** "EP 32 · sequencesPerGpu 64 · scmoe-sbo": the point's layout, every swept key but the schedule, then the schedule. */
export function layoutLabel(sweep, p) {
  const parts = sweep.axes
    .filter((a) => a.path !== 'schedules')
    .map((a) => `${a.path === 'parallel.ep' ? 'EP' : a.path.split('.').pop()} ${typeof p.values[a.path] === 'object' ? JSON.stringify(p.values[a.path]) : p.values[a.path]}`);
  return [...parts, p.schedule].join(' · ');
}

/** @param {HTMLElement} element @param {any} sweep sweep.json */
export function drawSweep(element, sweep) {
  element.innerHTML = '';
  element.classList.remove('hint');
  if (sweep.formatVersion !== 2) {
    element.classList.add('hint');
    element.textContent = `this sweep.json is format version ${sweep.formatVersion}, from before frontiers: run epsim sweep again to draw it`;
    return;
  }
  const root = d3.select(element);
  const decode = sweep.frontier.x === 'tokensPerSecPerUser';
  const answer = sweep.answer ? sweep.points[sweep.answer.id] : undefined;
  // No point meets the targets: a warning (amber, ⚠), not the green box of an answer; the note says why.
  root.append('p').attr('id', 'sweep-answer').attr('class', answer ? 'sweep-answer' : 'sweep-answer no-answer').text(answerText(sweep, answer));

  const fitting = sweep.points.filter((p) => p.metrics && p.metrics.fitsInMemory);
  const noFit = sweep.points.filter((p) => p.metrics && !p.metrics.fitsInMemory);
  if (fitting.length === 0 && noFit.length === 0) {
    root.append('p').attr('class', 'hint').text('no sweep point could run');
    failureNotes(root, sweep);
    return;
  }
  const onFrontier = new Set(sweep.frontier.ids);
  const x = (p) => (decode ? p.metrics.tokensPerSecPerUser : p.metrics.stepTimeUs / 1000);
  const y = (p) => p.metrics.tokensPerSecPerGpu;
  const drawn = [...fitting, ...noFit];

  const w = 640;
  const h = 380;
  const m = { top: 16, right: 30, bottom: 44, left: 84 };
  const row = root.append('div').attr('class', 'sweep-row');
  const svg = row.append('svg').attr('class', 'frontier-chart').attr('width', w).attr('height', h).attr('role', 'img')
    .attr('aria-label', `tokens/s per GPU against ${decode ? 'tokens/s per user' : 'step time'}`);
  const xs = d3.scaleLinear().domain(padded(d3.extent(drawn, x))).nice().range([m.left, w - m.right]);
  const ys = d3.scaleLinear().domain([0, (d3.max(drawn, y) || 1) * 1.08]).nice().range([h - m.bottom, m.top]);
  svg.append('g').attr('transform', `translate(0,${h - m.bottom})`).call(d3.axisBottom(xs).ticks(8, ',~r'));
  svg.append('g').attr('transform', `translate(${m.left},0)`).call(d3.axisLeft(ys).ticks(6, ',~r'));
  svg.append('text').attr('class', 'axis-label').attr('x', (m.left + w - m.right) / 2).attr('y', h - 8).attr('text-anchor', 'middle')
    .text(decode ? 'tokens/s per user (1000 / TPOT ms) →  better' : '← better   step time (ms)');
  svg.append('text').attr('class', 'axis-label').attr('transform', `translate(14,${(m.top + h - m.bottom) / 2}) rotate(-90)`).attr('text-anchor', 'middle')
    .text('tokens/s per GPU →  better');

  // The latency target: points right of the line (decode) meet it.
  const targetX = decode ? latencyTargetX(sweep.targets) : undefined;
  if (targetX !== undefined && targetX >= xs.domain()[0] && targetX <= xs.domain()[1]) {
    svg.append('line').attr('class', 'target-line').attr('x1', xs(targetX)).attr('x2', xs(targetX)).attr('y1', m.top).attr('y2', h - m.bottom)
      .attr('stroke', '#b91c1c').attr('stroke-dasharray', '5,4');
    const label = svg.append('text').attr('class', 'target-label').attr('x', xs(targetX) + 4).attr('y', m.top + 10).attr('fill', '#b91c1c').text(targetText(sweep.targets));
    // A target near the right edge (TPOT 10 ms on an axis ending at 100 tokens/s per user) gets its label left of the line, not cut off.
    if (xs(targetX) + 4 + label.node().getComputedTextLength() > w - 2) label.attr('x', xs(targetX) - 4).attr('text-anchor', 'end');
  }

  const frontier = sweep.frontier.ids.map((id) => sweep.points[id]);
  svg.append('path').attr('class', 'frontier-line').attr('fill', 'none').attr('stroke', '#111').attr('stroke-width', 1.5)
    .attr('d', d3.line().x((p) => xs(x(p))).y((p) => ys(y(p)))(frontier));

  const tooltip = root.append('div').attr('class', 'sweep-tooltip').attr('hidden', true);
  const colour = (p) => SCHEDULE_COLOURS[p.schedule] ?? '#6b7280';
  // Faded points first, so the frontier is drawn on top of them.
  const order = drawn.slice().sort((a, b) => Number(onFrontier.has(a.id)) - Number(onFrontier.has(b.id)));
  svg.append('g').selectAll('circle').data(order).join('circle')
    .attr('class', (p) => `point ${!p.metrics.fitsInMemory ? 'no-fit' : onFrontier.has(p.id) ? 'on-frontier' : 'off-frontier'}`)
    .attr('data-id', (p) => p.id)
    .attr('cx', (p) => xs(x(p))).attr('cy', (p) => ys(y(p)))
    .attr('r', (p) => (onFrontier.has(p.id) ? 5 : 4))
    .attr('fill', (p) => (p.metrics.fitsInMemory ? colour(p) : '#fff'))
    .attr('stroke', (p) => colour(p))
    .attr('opacity', (p) => (onFrontier.has(p.id) ? 1 : 0.22))
    .on('mouseenter', (event, p) => {
      tooltip.attr('hidden', null).text(pointText(sweep, p, onFrontier.has(p.id), answer?.id === p.id));
      const box = element.getBoundingClientRect();
      tooltip.style('left', `${event.clientX - box.left + 12}px`).style('top', `${event.clientY - box.top + 12}px`);
    })
    .on('mouseleave', () => tooltip.attr('hidden', true));

  if (answer) {
    svg.append('circle').attr('class', 'recommended').attr('data-id', answer.id).attr('cx', xs(x(answer))).attr('cy', ys(y(answer))).attr('r', 10)
      .attr('fill', 'none').attr('stroke', '#111').attr('stroke-width', 2).attr('pointer-events', 'none');
    const right = xs(x(answer)) > w - 160;
    svg.append('text').attr('class', 'recommended-label').attr('x', xs(x(answer)) + (right ? -14 : 14)).attr('y', ys(y(answer)) - 12)
      .attr('text-anchor', right ? 'end' : 'start').text('recommended');
  }

  legend(row, sweep, drawn, colour, targetX !== undefined);
  frontierTable(root, sweep, frontier, answer);
  failureNotes(root, sweep);
}

/** The legend, beside the plot (never over the data). */
function legend(row, sweep, drawn, colour, hasTarget) {
  const box = row.append('div').attr('class', 'sweep-legend');
  const schedules = [...new Set(drawn.map((p) => p.schedule))];
  for (const s of schedules) box.append('div').html(`<span class="swatch" style="background:${colour({ schedule: s })}"></span>${s}`);
  box.append('div').attr('class', 'legend-gap');
  box.append('div').html('<span class="swatch line"></span>frontier (solid points)');
  box.append('div').html('<span class="swatch faded"></span>off the frontier (faded)');
  if (drawn.some((p) => !p.metrics.fitsInMemory)) box.append('div').html('<span class="swatch hollow"></span>does not fit in memory');
  if (sweep.answer) box.append('div').html('<span class="swatch ring"></span>recommended');
  if (hasTarget) box.append('div').html('<span class="swatch target"></span>latency target');
  box.append('div').attr('class', 'hint').text(`${sweep.points.length} points: ${sweep.axes.map((a) => `${a.path} ${a.values.length}`).join(' × ')}`);
}

function frontierTable(root, sweep, frontier, answer) {
  if (frontier.length === 0) return;
  const axes = sweep.axes.filter((a) => a.path !== 'schedules').map((a) => a.path);
  const decode = sweep.frontier.x === 'tokensPerSecPerUser';
  const header = ['point', ...axes.map((a) => a.split('.').pop()), 'schedule', decode ? 'TPOT ms' : 'step ms', ...(decode ? ['tok/s/user'] : []), 'tok/s/GPU', 'mem GiB/GPU'];
  root.append('h4').text(`the frontier: ${frontier.length} of ${sweep.points.filter((p) => p.metrics?.fitsInMemory).length} points that fit in memory`);
  const table = root.append('table').attr('class', 'sweep-frontier').attr('id', 'sweep-frontier');
  table.append('thead').append('tr').selectAll('th').data(header).join('th').text((d) => d);
  const rows = table.append('tbody').selectAll('tr').data(frontier).join('tr').classed('recommended-row', (p) => answer?.id === p.id);
  rows.selectAll('td')
    .data((p) => [
      answer?.id === p.id ? `${p.id} ◀ recommended` : String(p.id),
      ...axes.map((a) => (typeof p.values[a] === 'object' ? JSON.stringify(p.values[a]) : String(p.values[a]))),
      p.schedule,
      decode ? fmt(p.metrics.tpotMs, 2) : fmt(p.metrics.stepTimeUs / 1000, 2),
      ...(decode ? [fmt(p.metrics.tokensPerSecPerUser, 1)] : []),
      fmt(p.metrics.tokensPerSecPerGpu),
      fmt(p.metrics.memoryGiBPerGpu, 1),
    ])
    .join('td')
    .text((d) => d);
}

function failureNotes(root, sweep) {
  const reasons = new Map();
  for (const p of sweep.points) if (p.error) reasons.set(p.error, (reasons.get(p.error) ?? 0) + 1);
  if (reasons.size === 0) return;
  const list = root.append('ul').attr('class', 'hint sweep-failures');
  for (const [reason, n] of reasons) list.append('li').text(`${n} point${n === 1 ? '' : 's'} cannot run: ${reason}`);
}

function answerText(sweep, answer) {
  if (!answer) {
    // How close the sweep came, as the CLI says it: the lowest TPOT among the points that fit.
    const low = sweep.recommendation?.lowestTpot;
    const closest = low ? `; the lowest TPOT that fits is ${fmt(low.tpotMs, 3)} ms (EP ${low.ep}${low.batch === undefined ? '' : `, ${low.batch} sequences/GPU`}, ${low.schedule})` : '';
    return `no recommendation: ${sweep.recommendation?.note ?? 'no point qualifies'}${closest}`;
  }
  const a = sweep.answer;
  const m = answer.metrics;
  const latency = m.tpotMs !== undefined ? `TPOT ${fmt(m.tpotMs, 2)} ms, ${fmt(m.tokensPerSecPerUser, 1)} tokens/s per user` : `step ${fmt(m.stepTimeUs / 1000, 2)} ms`;
  let text = `recommended: ${layoutLabel(sweep, answer)}: ${fmt(m.tokensPerSecPerGpu)} tokens/s per GPU (${latency}), the ${a.reason}.`;
  if (a.gpusNeeded !== undefined) {
    text += ` ${fmt(sweep.targets.totalTokensPerSec)} tokens/s needs ${fmt(a.gpusNeeded)} GPUs: ${a.replicas} replica${a.replicas === 1 ? '' : 's'} of ${a.replicaGpus} GPUs, rounded up to whole replicas (${fmt(a.tokensPerSec)} tokens/s).`;
  }
  if (a.fewestGpus) {
    const f = sweep.points[a.fewestGpus.id];
    text += ` Fewer GPUs after rounding: ${layoutLabel(sweep, f)} needs ${fmt(a.fewestGpus.gpusNeeded)} (${a.fewestGpus.replicas} replicas of ${a.fewestGpus.replicaGpus}).`;
  }
  return text;
}

function pointText(sweep, p, on, recommended) {
  const m = p.metrics;
  const lines = [`point ${p.id}: ${layoutLabel(sweep, p)}`];
  if (m.tpotMs !== undefined) lines.push(`TPOT ${fmt(m.tpotMs, 2)} ms · ${fmt(m.tokensPerSecPerUser, 1)} tokens/s per user`);
  else lines.push(`step ${fmt(m.stepTimeUs / 1000, 2)} ms`);
  lines.push(`${fmt(m.tokensPerSecPerGpu)} tokens/s per GPU · ${fmt(m.memoryGiBPerGpu, 1)} GiB per GPU${m.fitsInMemory ? '' : ' (does not fit)'}`);
  lines.push(`exposed comm ${fmt(m.exposedCommFraction * 100, 1)}%${recommended ? ' · recommended' : on ? ' · on the frontier' : ''}`);
  return lines.join('\n');
}

/** The x (tokens/s per user) at which a point meets the decode latency target, if there is one. */
function latencyTargetX(targets) {
  if (!targets) return undefined;
  const xs = [];
  if (targets.tpotMs !== undefined) xs.push(1000 / targets.tpotMs);
  if (targets.tokensPerSecPerUser !== undefined) xs.push(targets.tokensPerSecPerUser);
  return xs.length ? Math.max(...xs) : undefined;
}

function targetText(targets) {
  return [targets.tpotMs !== undefined ? `TPOT ≤ ${targets.tpotMs} ms` : '', targets.tokensPerSecPerUser !== undefined ? `≥ ${targets.tokensPerSecPerUser} tok/s/user` : ''].filter(Boolean).join(', ');
}

/** A domain with a little room on both sides (one point alone still gets a range). */
function padded([lo, hi]) {
  const span = hi - lo || Math.abs(hi) || 1;
  return [Math.max(0, lo - span * 0.06), hi + span * 0.06];
}

/**
 * Starts a sweep of `body` ({ scenario } or { yaml }) and reports on `status`: the points done
 * as they finish, then done (calls onDone with the results folder's name) or the errors.
 */
export async function startSweep(body, { status, errors, onDone }) {
  errors.hidden = true;
  status.textContent = 'planning the sweep…';
  status.dataset.progressEvents = '0';
  const res = await fetch('/api/sweeps', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const reply = await res.json();
  if (!res.ok) {
    status.textContent = `sweep refused (${res.status})`;
    errors.hidden = false;
    errors.textContent = reply.messages ? reply.messages.join('\n') : reply.message;
    return;
  }
  status.textContent = `${reply.scenario}: sweeping ${reply.points} points…`;
  const events = new EventSource(`/api/sweeps/${reply.id}/events`);
  events.addEventListener('progress', (e) => {
    const p = JSON.parse(e.data);
    status.dataset.progressEvents = String(Number(status.dataset.progressEvents) + 1);
    status.textContent = `${reply.scenario}: ${p.done}/${p.total} points (last: ${p.schedule})`;
  });
  events.addEventListener('done', async (e) => {
    events.close();
    const { result } = JSON.parse(e.data);
    // "done" once the page shows the new sweep, not before (it may be showing the folder's last one).
    status.textContent = `${reply.scenario}: sweep done, loading it…`;
    await onDone(result);
    status.textContent = `${reply.scenario}: sweep done`;
  });
  events.addEventListener('error', (e) => {
    events.close();
    if (e.data) {
      status.textContent = `${reply.scenario}: sweep failed`;
      errors.hidden = false;
      errors.textContent = JSON.parse(e.data).message;
    }
  });
}
