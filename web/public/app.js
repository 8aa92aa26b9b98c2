// The dashboard page: lists results and scenarios, shows one result (summary table, timeline,
// sweep, routing) and starts runs with live progress. Talks only to the JSON API of web/app.ts.
import { createTimeline, drawLegend } from './timeline.js';
import { drawSweep, startSweep } from './sweep.js';
import { drawRouting } from './routing.js';

const $ = (id) => document.getElementById(id);
let timeline;

async function getJson(url) {
  const res = await fetch(url);
  const body = await res.json();
  if (!res.ok) throw Object.assign(new Error(body.message ?? res.statusText), { status: res.status, body });
  return body;
}

let known = [];

async function loadResults(select) {
  const results = await getJson('/api/results');
  known = results;
  const list = $('results');
  list.innerHTML = '';
  for (const r of results) {
    const li = document.createElement('li');
    li.textContent = r.hasResult ? `${r.name} (${r.phase}, ${r.schedules.length} schedules${r.hasSweep ? ', sweep' : ''})` : `${r.name} (${r.phase}, sweep only: ${r.sweepPoints} points)`;
    li.dataset.name = r.name;
    li.onclick = () => showResult(r.name);
    list.appendChild(li);
  }
  const wanted = select ?? new URLSearchParams(location.search).get('result') ?? results[0]?.name;
  if (wanted) await showResult(wanted);
}

async function showResult(name) {
  for (const li of $('results').children) li.classList.toggle('selected', li.dataset.name === name);
  history.replaceState(null, '', `?result=${encodeURIComponent(name)}`);
  const entry = known.find((r) => r.name === name);
  document.body.classList.toggle('sweep-only', entry?.hasResult === false);
  if (entry?.hasResult === false) return showSweepOnly(entry);
  const [result, summary] = await Promise.all([getJson(`/api/results/${name}`), getJson(`/api/results/${name}/summary`)]);
  $('result-title').textContent = `${name}: ${result.scenario.workload.phase} of ${result.model.name} on ${result.topology.name} (${result.topology.gpus} GPUs)`;
  $('result-notes').textContent = summary.notes.join(' · ');
  $('summary').innerHTML = tableHtml(summary.columns, summary.rows);
  const file = await getJson(`/api/results/${name}/timeline`);
  drawLegend($('legend'), file);
  $('gpu-start').max = String(file.topology.gpus - 1);
  timeline = createTimeline($('timeline-canvas'), $('tooltip'), file);
  timeline.setGpus(Number($('gpu-start').value) || 0, Number($('gpu-count').value));
  document.body.dataset.result = name;
  const hasSweep = known.find((r) => r.name === name)?.hasSweep;
  await Promise.all([
    hasSweep ? getJson(`/api/results/${name}/sweep`).then((s) => drawSweep($('sweep'), s)) : setHint('sweep', `no sweep for this result (run epsim sweep scenarios/${name}.yaml)`),
    result.trace.file
      ? getJson(`/api/results/${name}/routing`).then((r) => drawRouting($('routing'), r)).catch((e) => setHint('routing', e.message))
      : setHint('routing', `${result.trace.description}: no routing trace to show`),
  ]);
  document.body.dataset.ready = name;
}

/** A folder with only sweep.json (epsim sweep, or a sweep started here): the sweep, nothing else. */
async function showSweepOnly(entry) {
  $('result-title').textContent = `${entry.name}: sweep of ${entry.model} on ${entry.topology} (${entry.phase}, ${entry.sweepPoints} points)`;
  $('result-notes').textContent = `a sweep on its own: run epsim run scenarios/${entry.name}.yaml for its timeline`;
  $('summary').innerHTML = '';
  timeline = undefined;
  document.body.dataset.result = entry.name;
  drawSweep($('sweep'), await getJson(`/api/results/${entry.name}/sweep`));
  document.body.dataset.ready = entry.name;
}

function setHint(id, text) {
  const el = $(id);
  el.innerHTML = '';
  el.classList.add('hint');
  el.textContent = text;
}

function tableHtml(columns, rows) {
  const esc = (s) => String(s).replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]);
  return `<table class="summary"><thead><tr>${columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

async function loadScenarios() {
  const scenarios = await getJson('/api/scenarios');
  const select = $('scenario-select');
  select.innerHTML = scenarios.map((s) => `<option value="${s.name}" title="${s.question}">${s.name}</option>`).join('');
  // Start on the scenario `npm start` runs, not on whichever sorts first.
  if (scenarios.some((s) => s.name === 'default')) select.value = 'default';
  const describe = () => ($('scenario-question').textContent = scenarios.find((s) => s.name === select.value)?.question ?? '');
  select.onchange = describe;
  describe();
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
    $('run-status').textContent = `${reply.scenario}: done`;
    await loadResults(result);
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
$('sweep-button').onclick = () => void startSweep(runBody(), { status: $('run-status'), errors: $('run-errors'), onDone: (name) => loadResults(name) });
$('gpu-start').onchange = $('gpu-count').onchange = () => timeline?.setGpus(Number($('gpu-start').value) || 0, Number($('gpu-count').value));
$('zoom-reset').onclick = () => timeline?.resetZoom();
window.epsim = { zoomAt: (k, t) => timeline?.zoomAt(k, t) };
window.addEventListener('resize', () => timeline?.setGpus(Number($('gpu-start').value) || 0, Number($('gpu-count').value)));

await Promise.all([loadScenarios(), loadResults()]);
