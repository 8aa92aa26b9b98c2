// The dashboard page: lists results (newest first, refreshed live as epsim writes them), shows one
// result (the table and step-time bars first, then the timeline, the GPUs and the routing) or two
// side by side with their differences, and starts runs (any scenario, on any topology the server
// offers or one uploaded inline) with live progress. Talks only to the JSON API of web/app.ts.
import { createTimeline, drawLegend } from './timeline.js';
import { drawSweep, startSweep } from './sweep.js';
import { drawRouting, sourceText } from './routing.js';
import { drawGpus } from './gpus.js';
import { comparisonHtml, drawStepBars, esc, notesHtml, tableHtml } from './summary.js';
import { formatDuration } from './ticks.js';
import { replaceTopology } from './yaml-edit.js';

const $ = (id) => document.getElementById(id);
const timeline = createTimeline($('timeline'), $('tooltip'));
let gpuPanel;

async function getJson(url) {
  const res = await fetch(url);
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw Object.assign(new Error(`${url} is not valid JSON (${res.status} ${res.statusText})`), { status: res.ok ? undefined : res.status });
  }
  if (!res.ok) throw Object.assign(new Error(body.message ?? body.messages?.join('; ') ?? res.statusText), { status: res.status, body });
  return body;
}

/** What the page shows: a result, maybe a second one to compare with. */
const state = { result: undefined, compare: undefined, known: [], stamps: new Map(), fresh: new Set(), slowest: [] };

async function loadResults() {
  state.known = (await getJson('/api/results')).sort((a, b) => (b.updatedMs ?? 0) - (a.updatedMs ?? 0) || a.name.localeCompare(b.name));
  renderList();
  return state.known;
}

function renderList() {
  const list = $('results');
  list.innerHTML = '';
  for (const r of state.known) {
    const li = document.createElement('li');
    li.dataset.name = r.name;
    li.classList.toggle('selected', r.name === state.result);
    li.classList.toggle('compared', r.name === state.compare);
    li.classList.toggle('new', state.fresh.has(r.name));
    const age = r.updatedMs ? ago(r.updatedMs) : '';
    const what = r.broken
      ? `broken: ${esc(r.broken)}`
      : r.hasResult === false
        ? `${esc(r.phase ?? '')} · ${esc(r.model ?? '')} · sweep only: ${r.sweepPoints} points`
        : `${esc(r.phase ?? '')} · ${esc(r.model ?? '')} · ${r.gpus ?? '?'} GPUs · ${r.schedules.length} schedules${r.hasSweep ? ' · sweep' : ''}`;
    li.innerHTML = `<span class="name">${esc(r.name)}<span class="meta">${what}${age ? ` · ${age}` : ''}</span></span>`;
    li.onclick = () => void show(r.name, r.name === state.compare ? undefined : state.compare);
    if (state.result && r.name !== state.result) {
      const b = document.createElement('button');
      b.className = 'compare';
      b.textContent = '⇄';
      b.title = `compare ${r.name} with ${state.result}`;
      b.onclick = (e) => {
        e.stopPropagation();
        void show(state.result, r.name === state.compare ? undefined : r.name);
      };
      li.appendChild(b);
    }
    list.appendChild(li);
  }
}

function ago(ms) {
  const s = Math.max(0, (Date.now() - ms) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(ms).toLocaleDateString();
}

async function loadOne(name) {
  const settled = await Promise.allSettled([getJson(`/api/results/${name}`), getJson(`/api/results/${name}/summary`), getJson(`/api/results/${name}/timeline`)]);
  const failed = settled.filter((s) => s.status === 'rejected').map((s) => s.reason);
  // The server's own message (which file, what is wrong with it) before a bare parse error.
  if (failed.length) throw failed.find((e) => e.status !== undefined) ?? failed[0];
  const [result, summary, file] = settled.map((s) => s.value);
  return { name, result, summary, file, deepep: summary.reference };
}

/** A result the page cannot show (a missing or broken file): say which and why, and show nothing stale. */
function showLoadError(name, error) {
  const message = error instanceof Error ? error.message : String(error);
  $('result-title').textContent = `${name}: cannot be shown`;
  $('result-links').innerHTML = '';
  $('result-notes').textContent = state.known.some((r) => r.name === name)
    ? `run its scenario again with epsim run (--out to this folder) to rewrite its files, or pick another result from the list`
    : `the results folder has no "${name}"; pick a result from the list`;
  $('summary').innerHTML = '<pre id="result-error" class="errors"></pre>';
  $('result-error').textContent = message;
  $('summary-notes').innerHTML = '';
  $('bars').innerHTML = '';
  $('overview-straggler').textContent = '';
  $('legend').innerHTML = '';
  timeline.setBlocks([]);
  gpuPanel = undefined;
  setHint('gpus', 'no result shown');
  setHint('sweep', 'no sweep shown');
  setHint('routing', 'no routing shown');
  // Nothing below the error has anything to show: no Timeline heading and controls (or empty GPUs, Sweep, Routing sections) over nothing.
  document.body.classList.add('cannot-show');
  document.body.dataset.result = name;
  document.body.dataset.compare = '';
  document.body.dataset.ready = name;
}

/** Shows `name` (and `compare` next to it). Keeps the GPU range and which schedules are folded. */
async function show(name, compare) {
  state.result = name;
  state.compare = compare;
  state.fresh.delete(name);
  document.body.dataset.ready = '';
  const params = new URLSearchParams({ result: name, ...(compare ? { compare } : {}) });
  history.replaceState(null, '', `?${params}`);
  renderList();
  const entry = state.known.find((x) => x.name === name);
  document.body.classList.toggle('sweep-only', entry?.hasResult === false);
  let a, b;
  try {
    if (entry?.broken) throw new Error(entry.broken);
    if (entry?.hasResult === false) return await showSweepOnly(entry);
    [a, b] = await Promise.all([loadOne(name), compare ? loadOne(compare) : undefined]);
  } catch (error) {
    if (state.result !== name || state.compare !== compare) return;
    return showLoadError(name, error);
  }
  if (state.result !== name || state.compare !== compare) return; // superseded by a later click
  // Shown before drawing: the timeline takes its width from its (visible) box.
  document.body.classList.remove('cannot-show');
  const r = a.result;
  $('result-title').textContent = `${name}: ${r.scenario.workload.phase} of ${r.model.name} on ${r.topology.name} (${r.topology.gpus} GPUs, EP ${r.scenario.parallel.ep})` + (b ? `  ⇄  ${compare}: ${b.result.model.name} on ${b.result.topology.name} (${b.result.topology.gpus} GPUs, EP ${b.result.scenario.parallel.ep})` : '');
  // The routing's whole description is in the routing section; the header names its kind and trace file.
  $('result-notes').textContent = routingHeadline(r.trace);
  renderLinks(a, b);
  if (b) {
    $('summary').innerHTML = comparisonHtml(a, b, [name, compare]);
    $('summary-notes').innerHTML = notesHtml([...a.summary.notes.filter((n) => !n.startsWith('routing:')).map((n) => `A: ${n}`), ...b.summary.notes.map((n) => `B: ${n}`)]);
  } else {
    $('summary').innerHTML = tableHtml(a.summary.columns, a.summary.rows);
    $('summary-notes').innerHTML = notesHtml(a.summary.notes.filter((n) => !n.startsWith('routing:')));
  }
  drawStepBars($('bars'), b ? [{ label: 'A', ...a }, { label: 'B', ...b }] : [{ label: '', ...a }]);
  renderStragglerLine(a);

  drawLegend($('legend'), b ? [a.file, b.file] : [a.file]);
  timeline.setBlocks(timelineBlocks(a, b));
  $('gpu-start').max = String(Math.max(a.file.topology.gpus, b?.file.topology.gpus ?? 0) - 1);
  timeline.setGpus(Number($('gpu-start').value) || 0, Number($('gpu-count').value));
  state.slowest = slowestOf(a);
  timeline.markGpus(state.slowest);
  gpuPanel = drawGpus($('gpus'), { file: a.file, result: a.result, onJump: jump });
  $('gpus-heading').textContent = `GPUs: who keeps the step waiting${b ? ` (A: ${name})` : ''}`;

  const hasSweep = state.known.find((x) => x.name === name)?.hasSweep;
  await Promise.all([
    hasSweep ? getJson(`/api/results/${name}/sweep`).then((s) => drawSweep($('sweep'), s)) : setHint('sweep', `no sweep for this result (run ${cliCommand('sweep', r.scenario.name, name)})`),
    r.scenario.workload.phase === 'a2a'
      ? setHint('routing', `the a2a benchmark routes random tokens (${r.trace.description})`)
      : getJson(`/api/results/${name}/routing`)
          .then((data) => drawRouting($('routing'), data, r.trace))
          .catch((e) => setHint('routing', r.trace?.description ? `${sourceText(r.trace.kind, r.trace.description)} (${e.message})` : e.message)),
  ]);
  document.body.dataset.result = name;
  document.body.dataset.compare = compare ?? '';
  document.body.dataset.ready = compare ? `${name}|${compare}` : name;
}

/** "routing: fitted (traces/x.trace), details under Routing": the header's short form of result.json's trace. */
function routingHeadline(trace) {
  if (!trace?.kind) return '';
  return `routing: ${trace.kind}${trace.file ? ` (${trace.file})` : ''}, details under Routing`;
}

/** " (GPUs 0-7, 150 of 1,024 …)" when the trace holds only some GPUs (timeline.json's traceGpus). */
function traceGpusHint(file) {
  const ids = file.traceGpus;
  if (!Array.isArray(ids)) return '';
  const runs = [];
  for (let i = 0; i < ids.length; ) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j] + 1) j++;
    runs.push(j > i ? `${ids[i]}-${ids[j]}` : `${ids[i]}`);
    i = j + 1;
  }
  return `<span class="hint trace-gpus">(GPUs ${esc(runs.join(', '))} of ${file.topology.gpus.toLocaleString('en-US')}; every GPU with <code>epsim run --trace-gpus all</code>)</span>`;
}

function renderLinks(a, b) {
  const links = (x, tag) =>
    `${tag ? `<b>${tag}</b>` : ''}<a href="/api/results/${x.name}/chrome-trace" download="${x.name}.trace.chrome.json" id="download-chrome${tag ? `-${tag}` : ''}">trace.chrome.json</a>` +
    traceGpusHint(x.file) +
    `<a href="/api/results/${x.name}" target="_blank">result.json</a>`;
  $('result-links').innerHTML =
    links(a, b ? 'A' : '') +
    (b ? links(b, 'B') + '<button id="stop-compare">stop comparing</button>' : '') +
    '<span class="hint">open trace.chrome.json in <a href="https://ui.perfetto.dev" target="_blank" rel="noopener">ui.perfetto.dev</a> (one process per schedule and GPU, arrows dispatch → expert GEMM → combine)</span>';
  if (b) $('stop-compare').onclick = () => void show(a.name);
}

/** The GPUs to mark in the timeline: each schedule's slowest two, where notably (1%) slower than the mean. */
function slowestOf(x) {
  const s = x.result.stragglers ?? [];
  return [...new Set(s.flatMap((e) => e.slowest.slice(0, 2).filter((g) => g.busyUs > e.meanBusyUs * 1.01).map((g) => g.gpu)))];
}

function renderStragglerLine(a) {
  const list = (a.result.stragglers ?? []).filter((s) => s.meanBusyUs > 0);
  const el = $('overview-straggler');
  if (list.length === 0) return void (el.textContent = '');
  const worst = list.reduce((p, s) => (s.expertImbalanceShare > p.expertImbalanceShare ? s : p));
  const g = worst.slowest[0];
  el.innerHTML =
    `Slowest GPU: <b>gpu ${g.gpu}</b> in ${esc(worst.schedule)}, ${formatDuration(g.busyUs * 1000)} busy against a ${formatDuration(worst.meanBusyUs * 1000)} mean; ` +
    `expert imbalance ${formatDuration(worst.expertImbalanceUs * 1000)} (${(worst.expertImbalanceShare * 100).toFixed(1)}% of the step). ` +
    `<button id="jump-slowest" data-gpu="${g.gpu}">show gpu ${g.gpu}</button>`;
  $('jump-slowest').onclick = () => {
    gpuPanel?.showSchedule(worst.schedule);
    jump(g.gpu);
  };
}

/** Timeline blocks: one per schedule, or with a second result A and B of each schedule in turn. */
function timelineBlocks(a, b) {
  if (!b) return a.file.schedules.map((s) => ({ id: `${a.name}/${s.name}`, label: s.name, result: a.name, file: a.file, schedule: s }));
  const names = [...new Set([...a.file.schedules.map((s) => s.name), ...b.file.schedules.map((s) => s.name)])];
  const out = [];
  for (const name of names) {
    const sa = a.file.schedules.find((s) => s.name === name);
    const sb = b.file.schedules.find((s) => s.name === name);
    if (sa) out.push({ id: `${a.name}/${name}`, label: `A ${a.name} · ${name}`, result: a.name, file: a.file, schedule: sa });
    if (sb) {
      const d = sa ? sb.makespanNs - sa.makespanNs : undefined;
      const note = d === undefined ? 'only in B' : `${d >= 0 ? '+' : '−'}${formatDuration(Math.abs(d))} (${d >= 0 ? '+' : '−'}${Math.abs((d / sa.makespanNs) * 100).toFixed(1)}%) against A`;
      out.push({ id: `${b.name}/${name}`, label: `B ${b.name} · ${name}`, result: b.name, file: b.file, schedule: sb, note, noteClass: d === undefined || Math.abs(d) < 1 ? '' : d > 0 ? 'worse' : 'better' });
    }
  }
  return out;
}

/** Shows `gpu` (second row, a neighbour above it) and, given a time, zooms on a tenth of the step around it. */
function jump(gpu, timeNs) {
  const count = Number($('gpu-count').value);
  const start = Math.max(0, gpu - (count > 1 ? 1 : 0));
  $('gpu-start').value = String(start);
  timeline.setGpus(start, count);
  timeline.markGpus([...new Set([gpu, ...(state.slowest ?? [])])]);
  if (timeNs !== undefined) {
    const span = (Number($('timeline').dataset.domainEnd) - Number($('timeline').dataset.domainStart)) / 10 || 1e5;
    timeline.zoomTo(Math.max(0, timeNs - span / 2), timeNs + span / 2);
  }
  $('timeline-heading').scrollIntoView({ block: 'start' });
}

/** A folder with only sweep.json (epsim sweep, or a sweep started here): the sweep, nothing else. */
async function showSweepOnly(entry) {
  $('result-title').textContent = `${entry.name}: sweep of ${entry.model} on ${entry.topology} (${entry.phase}, ${entry.sweepPoints} points)`;
  $('summary').innerHTML = '';
  $('summary-notes').innerHTML = '';
  timeline.setBlocks([]);
  document.body.dataset.result = entry.name;
  const sweep = await getJson(`/api/results/${entry.name}/sweep`);
  document.body.classList.remove('cannot-show');
  $('result-notes').textContent = `a sweep on its own: run ${cliCommand('run', sweep.scenario ?? entry.name, entry.name)} for its timeline`;
  drawSweep($('sweep'), sweep);
  document.body.dataset.ready = entry.name;
}

/**
 * The command that writes `verb`'s files (epsim run or sweep) into this result's folder: the result's
 * scenario (by its name, not the folder's: `--out` may have named the folder), with `--out` where
 * the folder is not the scenario's default one.
 */
function cliCommand(verb, scenario, folder) {
  const file = scenarios.some((s) => s.name === scenario) ? `scenarios/${scenario}.yaml` : `<the scenario file of ${scenario}>`;
  return `epsim ${verb} ${file}${folder === scenario ? '' : ` --out <results folder>/${folder}`}`;
}

function setHint(id, text) {
  const el = $(id);
  el.innerHTML = '';
  el.classList.add('hint');
  el.textContent = text;
}

// ---- live refresh: the server says when a result folder appears or is rewritten ----

function watch() {
  const events = new EventSource('/api/events');
  events.addEventListener('results', async (e) => {
    const stamps = new Map(JSON.parse(e.data).map((s) => [s.name, s.updatedMs]));
    const first = state.stamps.size === 0 && !$('live').dataset.connected;
    const changed = [...stamps].filter(([name, t]) => state.stamps.get(name) !== t).map(([name]) => name);
    const gone = [...state.stamps.keys()].some((name) => !stamps.has(name));
    state.stamps = stamps;
    $('live').dataset.connected = '1';
    if (first) return void ($('live').textContent = 'live: watching the results folder');
    if (changed.length === 0 && !gone) return;
    for (const name of changed) if (name !== state.result) state.fresh.add(name);
    await loadResults();
    const live = $('live');
    live.textContent = `updated ${new Date().toLocaleTimeString()}: ${changed.join(', ') || 'a result was removed'}`;
    live.classList.add('flash');
    setTimeout(() => live.classList.remove('flash'), 4000);
    document.body.dataset.updated = changed.join(',');
    if (!state.result && state.known[0]) await show(state.known[0].name);
    else if (state.result && (changed.includes(state.result) || (state.compare && changed.includes(state.compare)))) await show(state.result, state.compare);
  });
  events.onerror = () => ($('live').textContent = 'live refresh lost; retrying…');
}

// ---- runs from the page ----

let scenarios = [];

async function loadScenarios() {
  scenarios = await getJson('/api/scenarios');
  const select = $('scenario-select');
  select.innerHTML = scenarios.map((s) => `<option value="${esc(s.name)}" title="${esc(s.question)}">${esc(s.name)}</option>`).join('');
  // Start on the scenario `npm start` runs, not on whichever sorts first.
  if (scenarios.some((s) => s.name === 'default')) select.value = 'default';
  const describe = () => ($('scenario-question').textContent = scenarios.find((s) => s.name === select.value)?.question ?? '');
  select.onchange = () => {
    describe();
    $('yaml').value = '';
    $('topology-select').value = '';
  };
  describe();
}

async function loadTopologies() {
  const list = await getJson('/api/topologies');
  const option = (t) => `<option value="${esc(t.value)}"${t.error ? ' disabled' : ''} title="${esc(t.error ?? t.value)}">${esc(t.name)}${t.gpus ? ` (${t.gpus} x ${esc(t.gpu)})` : ' (does not load)'}</option>`;
  const custom = list.filter((t) => t.kind === 'custom');
  $('topology-select').innerHTML =
    '<option value="">the scenario\'s own</option>' +
    `<optgroup label="presets">${list.filter((t) => t.kind === 'preset').map(option).join('')}</optgroup>` +
    (custom.length ? `<optgroup label="your topologies (this server's folder)">${custom.map(option).join('')}</optgroup>` : '') +
    '<option value="@upload">upload a topology file… (inlined in the scenario)</option>';
}

async function editedYaml() {
  if (!$('yaml').value.trim()) {
    const res = await fetch(`/api/scenarios/${$('scenario-select').value}`);
    $('yaml').value = await res.text();
  }
  $('yaml-details').open = true;
  return $('yaml').value;
}

async function chooseTopology() {
  const value = $('topology-select').value;
  if (!value || value === '@inlined') return;
  if (value === '@upload') return void $('topology-file').click();
  $('yaml').value = replaceTopology(await editedYaml(), { value });
}

async function uploadTopology() {
  const file = $('topology-file').files?.[0];
  if (!file) return;
  $('yaml').value = replaceTopology(await editedYaml(), { inline: await file.text() });
  $('topology-file').value = '';
  // Say what the scenario now holds instead of leaving "upload…" selected.
  const select = $('topology-select');
  select.querySelector('option[value="@inlined"]')?.remove();
  select.insertAdjacentHTML('beforeend', `<option value="@inlined">inlined: ${esc(file.name)}</option>`);
  select.value = '@inlined';
}

/** What the run panel would run: the pasted YAML, else the chosen scenario. */
function runBody() {
  const yaml = $('yaml').value.trim();
  return yaml ? { yaml } : { scenario: $('scenario-select').value };
}

async function startRun() {
  const body = runBody();
  $('run-errors').hidden = true;
  $('run-status').textContent = 'starting…';
  const res = await fetch('/api/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const reply = await res.json();
  if (!res.ok) {
    $('run-status').textContent = `refused (${res.status})`;
    $('run-errors').hidden = false;
    $('run-errors').textContent = reply.messages ? reply.messages.join('\n') : reply.message;
    return;
  }
  const events = new EventSource(`/api/runs/${reply.id}/events`);
  events.addEventListener('progress', (e) => {
    const p = JSON.parse(e.data);
    $('run-status').textContent = `${reply.scenario}: ${p.done}/${p.total} schedules (${p.done < p.total ? `simulating ${p.schedule}` : 'writing'})`;
  });
  events.addEventListener('done', async (e) => {
    events.close();
    const { result } = JSON.parse(e.data);
    // "done" once the page shows the new result, not before (it may be showing the folder's last one).
    $('run-status').textContent = `${reply.scenario}: done, loading it…`;
    await loadResults();
    await show(result);
    $('run-status').textContent = `${reply.scenario}: done`;
  });
  events.addEventListener('error', (e) => {
    events.close();
    if (e.data) {
      $('run-status').textContent = `${reply.scenario}: failed`;
      $('run-errors').hidden = false;
      $('run-errors').textContent = JSON.parse(e.data).message;
    }
  });
}

$('run-button').onclick = () => void startRun();
$('sweep-button').onclick = () =>
  void startSweep(runBody(), {
    status: $('run-status'),
    errors: $('run-errors'),
    onDone: async (name) => {
      await loadResults();
      await show(name);
    },
  });
$('topology-select').onchange = () => void chooseTopology();
$('topology-file').onchange = () => void uploadTopology();
$('gpu-start').onchange = $('gpu-count').onchange = () => timeline.setGpus(Number($('gpu-start').value) || 0, Number($('gpu-count').value));
$('zoom-reset').onclick = () => timeline.resetZoom();
$('collapse-all').onclick = () => timeline.setCollapsed(true);
$('expand-all').onclick = () => timeline.setCollapsed(false);
window.epsim = { zoomAt: (k, t) => timeline.zoomAt(k, t), zoomTo: (a, b) => timeline.zoomTo(a, b), jump, show: (a, b) => show(a, b) };
window.addEventListener('resize', () => timeline.resize());

await Promise.all([loadScenarios(), loadTopologies(), loadResults()]);
watch();
const params = new URLSearchParams(location.search);
const wanted = params.get('result') ?? state.known[0]?.name;
if (wanted) await show(wanted, params.get('compare') ?? undefined);
