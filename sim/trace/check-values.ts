// Checks the values inside a trace's arrays (the header checks cover their lengths): expert ids
// in range, gates finite, token ids non-negative, domain labels naming a listed domain. Used on
// read and before write, so a bad trace is never written and never simulated.
import type { InputIssue } from '../core/index.ts';
import type { RoutingTrace } from './routing-trace.ts';

/** Issues with the values of `trace`, at most one per array (the first bad value, plus a count). */
export function valueIssues(trace: RoutingTrace, file: string): InputIssue[] {
  const issues: InputIssue[] = [];
  const issue = (path: string, message: string): number => issues.push({ file, line: 0, col: 0, path, message });
  const { layers, topk, ffnExperts, zeroExperts } = trace.model;
  const where = (i: number): string => {
    const perToken = layers * topk;
    return `token ${Math.floor(i / perToken)}, layer ${Math.floor((i % perToken) / topk)}, slot ${i % topk}`;
  };
  const more = (n: number, what: string): string => (n > 1 ? `; ${n - 1} more ${what}` : '');

  const total = ffnExperts + zeroExperts;
  const e = countAtLeast(trace.experts, total);
  if (e.count > 0) {
    const v = trace.experts[e.first]!;
    issue(`experts[${e.first}]`, `expert id ${v} (${where(e.first)}) is out of range: the model has ${ffnExperts} FFN + ${zeroExperts} zero experts (ids 0..${total - 1})${more(e.count, 'ids are out of range')}`);
  }
  const g = countNonFinite(trace.gates);
  if (g.count > 0) {
    issue(`gates[${g.first}]`, `gate ${trace.gates[g.first]} (${where(g.first)}) is not a finite number${more(g.count, 'gates are not finite')}`);
  }
  if (trace.tokenIds) {
    const t = countNegative(trace.tokenIds);
    if (t.count > 0) issue(`tokenIds[${t.first}]`, `token id ${trace.tokenIds[t.first]} is negative${more(t.count, 'token ids are negative')}`);
  }
  if (trace.tokenDomain) {
    const n = trace.domains?.length ?? 0;
    const d = countAtLeast(trace.tokenDomain, n);
    if (d.count > 0) {
      issue(`tokenDomain[${d.first}]`, `domain index ${trace.tokenDomain[d.first]} is out of range: the trace lists ${n} domains${more(d.count, 'indexes are out of range')}`);
    }
  }
  return issues;
}

// One plain loop per check (no callback per element): this pass is most of a trace's load time.
interface Found {
  first: number;
  count: number;
}

function countAtLeast(values: Uint16Array | Uint8Array, limit: number): Found {
  let first = -1;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i]! >= limit) {
      if (first < 0) first = i;
      count++;
    }
  }
  return { first, count };
}

function countNonFinite(values: Float32Array): Found {
  let first = -1;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    // v - v is 0 for finite v and NaN for ±Infinity and NaN.
    if (v - v !== 0) {
      if (first < 0) first = i;
      count++;
    }
  }
  return { first, count };
}

function countNegative(values: Int32Array): Found {
  let first = -1;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i]! < 0) {
      if (first < 0) first = i;
      count++;
    }
  }
  return { first, count };
}
