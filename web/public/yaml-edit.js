// Edits a scenario's YAML text in the run panel: replaces its top-level `topology:` entry (a
// one-line value or an indented block) with a preset name, a file path, or a whole topology
// file inlined under the key (the scenario's `topology:` object form). Pure text in, text out.

/**
 * @param {string} yaml the scenario
 * @param {{ value: string } | { inline: string }} topology
 */
export function replaceTopology(yaml, topology) {
  const lines = yaml.split('\n');
  const replacement = 'inline' in topology ? ['topology:', ...indent(topology.inline)] : [`topology: ${quote(topology.value)}`];
  const start = lines.findIndex((l) => /^topology\s*:/.test(l));
  if (start < 0) return `${yaml.replace(/\n*$/, '\n')}${replacement.join('\n')}\n`;
  let end = start + 1;
  // The entry goes on while lines are indented (its block) or blank/comments before more of it.
  while (end < lines.length && (/^\s+\S/.test(lines[end]) || (/^\s*(#.*)?$/.test(lines[end]) && nextIsIndented(lines, end)))) end++;
  return [...lines.slice(0, start), ...replacement, ...lines.slice(end)].join('\n');
}

function nextIsIndented(lines, i) {
  for (let j = i + 1; j < lines.length; j++) {
    if (/^\s*(#.*)?$/.test(lines[j])) continue;
    return /^\s+\S/.test(lines[j]);
  }
  return false;
}

function indent(text) {
  return text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .filter((l) => l.trim() !== '---' && l.trim() !== '...')
    .map((l) => (l.trim() === '' ? '' : `  ${l}`))
    .join('\n')
    .replace(/\n+$/, '')
    .split('\n');
}

/** A plain scalar where YAML reads it back unchanged, else double-quoted. */
function quote(value) {
  return /^[A-Za-z0-9_./-]+$/.test(value) ? value : JSON.stringify(value);
}
