// Imports a plain per-token expert-id dump from another system (a serving engine, a PyTorch
// hook) as a RoutingTrace. CSV, one row per (token, layer) in any order (token-major or
// layer-major dumps both work): `token,layer,e0,...,e{k-1}` plus optional gate columns
// `g0,...,g{k-1}` (else 1/k each). Ids >= ffnExperts are zero-computation experts.
// Every bad row is reported as file:line:col, and nothing is returned unless all rows are good.
import { UsageError, type InputIssue } from '../core/index.ts';
import { MAX_EXPERTS } from './format.ts';
import { traceFormatError } from './issues.ts';
import type { RoutingTrace } from './routing-trace.ts';

export interface ImportDumpOptions {
  ffnExperts: number;
  /** Zero-computation experts; default: just enough for the largest id in the dump. */
  zeroExperts?: number;
  /** Model name for the trace (default "imported"). */
  name?: string;
}

/** Problems reported before giving up, so a wholly wrong file does not print a million lines. */
const MAX_ISSUES = 20;
const INTEGER = /^\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const HEADER_HINT = '(expected token,layer,e0,...,e{k-1}[,g0,...,g{k-1}])';

interface Field {
  text: string;
  col: number;
}

interface Row {
  line: number;
  fields: Field[];
}

type Report = (line: number, col: number, path: string, message: string) => void;

export function importDump(text: string, file: string, options: ImportDumpOptions): RoutingTrace {
  const { ffnExperts, zeroExperts } = options;
  if (!Number.isInteger(ffnExperts) || ffnExperts < 1) throw new UsageError(`ffnExperts must be a positive integer; got ${ffnExperts}`);
  if (zeroExperts !== undefined && (!Number.isInteger(zeroExperts) || zeroExperts < 0)) {
    throw new UsageError(`zeroExperts must be a non-negative integer; got ${zeroExperts}`);
  }
  const idLimit = zeroExperts === undefined ? MAX_EXPERTS : ffnExperts + zeroExperts;

  const issues: InputIssue[] = [];
  const report: Report = (line, col, path, message) => {
    if (issues.length < MAX_ISSUES) issues.push({ file, line, col, path, message });
  };
  const fail = (): never => {
    if (issues.length >= MAX_ISSUES) issues.push({ file, line: 0, col: 0, path: '', message: `stopped after ${MAX_ISSUES} problems` });
    throw traceFormatError(issues.sort((a, b) => (a.line || Infinity) - (b.line || Infinity) || a.col - b.col));
  };

  const rows: Row[] = text
    .replace(/^\uFEFF/, '')
    .split('\n')
    .map((l, i) => ({ line: i + 1, fields: splitFields(l.endsWith('\r') ? l.slice(0, -1) : l) }))
    .filter((r) => r.fields.some((f) => f.text !== ''));
  const head = rows.shift();
  if (!head) throw traceFormatError([{ file, line: 1, col: 1, path: '', message: 'the file is empty; expected a header line "token,layer,e0,...,e{k-1}"' }]);
  const { k, hasGates } = parseHeader(head, (col, message) => report(head.line, col, 'header', message));
  if (issues.length > 0) fail();
  if (k > idLimit) report(head.line, 1, 'header', `${k} expert columns, but the model has only ${idLimit} experts`);
  if (rows.length === 0) throw traceFormatError([{ file, line: head.line + 1, col: 1, path: '', message: 'no data rows after the header' }]);

  const parsed = parseRows(rows, k, hasGates, idLimit, zeroExperts === undefined ? undefined : ffnExperts, report);
  if (issues.length > 0) fail();
  const grid = placeRows(rows, parsed.token, parsed.layer, report);
  if (issues.length > 0 || !grid) fail();
  const { slots, tokens, layers } = grid!;

  // Rows may come in any order; the trace is [token][layer][k].
  const experts = new Uint16Array(slots.length * k);
  const gates = new Float32Array(slots.length * k);
  slots.forEach((r, s) => {
    experts.set(parsed.experts.subarray(r * k, r * k + k), s * k);
    gates.set(parsed.gates.subarray(r * k, r * k + k), s * k);
  });
  return {
    model: {
      name: options.name ?? 'imported',
      layers,
      ffnExperts,
      zeroExperts: zeroExperts ?? Math.max(0, parsed.maxId + 1 - ffnExperts),
      topk: k,
    },
    provenance: { createdBy: 'epsim import-trace', notes: { dump: file } },
    tokens,
    experts,
    gates,
  };
}

function parseHeader(head: Row, problem: (col: number, message: string) => void): { k: number; hasGates: boolean } {
  const fields = head.fields;
  const last = fields[fields.length - 1]!;
  const endCol = last.col + last.text.length;
  const expect = (i: number, name: string): boolean => {
    const f = fields[i];
    if (f?.text === name) return true;
    problem(f?.col ?? endCol, `column ${i + 1} must be "${name}"; got ${f ? `"${f.text}"` : 'nothing'} ${HEADER_HINT}`);
    return false;
  };
  if (!expect(0, 'token') || !expect(1, 'layer')) return { k: 0, hasGates: false };
  let k = 0;
  while (fields[2 + k]?.text === `e${k}`) k++;
  if (k === 0) {
    expect(2, 'e0');
    return { k, hasGates: false };
  }
  const gateColumns = fields.length - 2 - k;
  if (gateColumns === 0) return { k, hasGates: false };
  for (let j = 0; j < k; j++) if (!expect(2 + k + j, `g${j}`)) return { k, hasGates: true };
  if (gateColumns > k) problem(fields[2 + 2 * k]!.col, `${gateColumns} gate columns for ${k} expert columns ${HEADER_HINT}`);
  return { k, hasGates: true };
}

interface ParsedRows {
  token: Float64Array;
  layer: Float64Array;
  /** In file row order, k per row. */
  experts: Uint16Array;
  gates: Float32Array;
  maxId: number;
}

/** Field-level checks on every row: column count, integers, id range, distinct ids, finite gates. */
function parseRows(rows: Row[], k: number, hasGates: boolean, idLimit: number, ffnExperts: number | undefined, report: Report): ParsedRows {
  const width = 2 + k * (hasGates ? 2 : 1);
  const out: ParsedRows = {
    token: new Float64Array(rows.length),
    layer: new Float64Array(rows.length),
    experts: new Uint16Array(rows.length * k),
    gates: new Float32Array(rows.length * k).fill(1 / k),
    maxId: -1,
  };
  const count = (f: Field, line: number, name: string): number => {
    if (INTEGER.test(f.text)) return Number(f.text);
    report(line, f.col, name, `expected a non-negative integer; got "${f.text}"`);
    return -1;
  };
  rows.forEach((row, r) => {
    const f = row.fields;
    if (f.length !== width) {
      const columns = `token,layer,e0..e${k - 1}${hasGates ? `,g0..g${k - 1}` : ''}`;
      report(row.line, 1, '', `expected ${width} columns (${columns}), got ${f.length}`);
      return;
    }
    out.token[r] = count(f[0]!, row.line, 'token');
    out.layer[r] = count(f[1]!, row.line, 'layer');
    const seen = new Map<number, number>();
    for (let j = 0; j < k; j++) {
      const cell = f[2 + j]!;
      if (!INTEGER.test(cell.text)) {
        report(row.line, cell.col, `e${j}`, `expected a non-negative integer expert id; got "${cell.text}"`);
        continue;
      }
      const id = Number(cell.text);
      if (id >= idLimit) {
        const rule =
          ffnExperts === undefined
            ? `does not fit uint16 (at most ${MAX_EXPERTS - 1})`
            : `is out of range: the model has ${ffnExperts} FFN + ${idLimit - ffnExperts} zero experts (ids 0..${idLimit - 1})`;
        report(row.line, cell.col, `e${j}`, `expert id ${id} ${rule}`);
        continue;
      }
      const twin = seen.get(id);
      if (twin !== undefined) report(row.line, cell.col, `e${j}`, `expert ${id} appears twice in this row (e${twin} and e${j}); top-k picks distinct experts`);
      seen.set(id, j);
      out.experts[r * k + j] = id;
      if (id > out.maxId) out.maxId = id;
    }
    if (!hasGates) return;
    for (let j = 0; j < k; j++) {
      const cell = f[2 + k + j]!;
      const value = DECIMAL.test(cell.text) ? Number(cell.text) : NaN;
      // Gates are stored as float32: 1e300 is finite as a double but Infinity once stored.
      if (Number.isFinite(Math.fround(value))) out.gates[r * k + j] = value;
      else report(row.line, cell.col, `g${j}`, Number.isFinite(value) ? `${cell.text} does not fit a float32 gate (at most 3.4e38)` : `expected a finite number; got "${cell.text}"`);
    }
  });
  return out;
}

interface Grid {
  /** Row index for each (token, layer) slot, token-major. */
  slots: Int32Array;
  tokens: number;
  layers: number;
}

/**
 * Puts every row in its (token, layer) slot. Tokens must be consecutive numbers (the first may
 * be any), and every token needs exactly one row for each layer 0..L-1, L = largest layer + 1.
 */
function placeRows(rows: Row[], token: Float64Array, layer: Float64Array, report: Report): Grid | undefined {
  let minToken = Infinity;
  let maxToken = -1;
  let maxLayer = -1;
  token.forEach((t, r) => {
    minToken = Math.min(minToken, t);
    maxToken = Math.max(maxToken, t);
    maxLayer = Math.max(maxLayer, layer[r]!);
  });
  const tokens = maxToken - minToken + 1;
  const layers = maxLayer + 1;
  if (tokens * layers > 4 * rows.length + 64) {
    report(0, 0, '', `token numbers run from ${minToken} to ${maxToken} and layers from 0 to ${maxLayer}, so ${tokens} × ${layers} rows are needed, but the file has ${rows.length}`);
    return undefined;
  }
  const slots = new Int32Array(tokens * layers).fill(-1);
  const firstLine = new Float64Array(tokens).fill(Infinity);
  const lastLine = new Float64Array(tokens).fill(0);
  rows.forEach((row, r) => {
    const t = token[r]! - minToken;
    const s = t * layers + layer[r]!;
    firstLine[t] = Math.min(firstLine[t]!, row.line);
    lastLine[t] = Math.max(lastLine[t]!, row.line);
    const other = slots[s]!;
    if (other >= 0) report(row.line, row.fields[1]!.col, 'layer', `a second row for token ${token[r]}, layer ${layer[r]} (the first is on line ${rows[other]!.line})`);
    else slots[s] = r;
  });
  for (let t = 0; t < tokens; t++) {
    const missing: number[] = [];
    for (let l = 0; l < layers; l++) if (slots[t * layers + l]! < 0) missing.push(l);
    if (missing.length === 0) continue;
    const number = t + minToken;
    if (missing.length === layers) {
      let next = t + 1;
      while (firstLine[next] === Infinity) next++;
      report(firstLine[next]!, 1, 'token', `no rows for token ${number}: token numbers must be consecutive (${minToken}..${maxToken} here)`);
    } else {
      const have = layers - missing.length;
      const which = missing.length === 1 ? `layer ${missing[0]} is` : `layers ${ranges(missing)} are`;
      report(lastLine[t]!, 1, 'layer', `token ${number} has ${have} of ${layers} layer rows: ${which} missing`);
    }
  }
  return { slots, tokens, layers };
}

/** "1..3, 7" from [1, 2, 3, 7]. */
function ranges(sorted: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === i ? `${sorted[i]}` : `${sorted[i]}..${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

function splitFields(line: string): Field[] {
  const out: Field[] = [];
  let start = 0;
  for (;;) {
    const comma = line.indexOf(',', start);
    const raw = comma < 0 ? line.slice(start) : line.slice(start, comma);
    const lead = raw.length - raw.trimStart().length;
    out.push({ text: raw.trim(), col: start + lead + 1 });
    if (comma < 0) return out;
    start = comma + 1;
  }
}
