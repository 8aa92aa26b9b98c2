// Validation of a trace header: the version first (so a newer file says "unsupported version"
// rather than listing unknown fields), then the strict schema, then the rules between fields
// (array lengths vs tokens × layers × topk, dtypes, alignment, bounds). Every issue is reported.
import type { InputIssue } from '../core/index.ts';
import {
  ARRAY_ALIGN,
  DTYPE_BYTES,
  headerSchema,
  MAX_DOMAINS,
  MAX_EXPERTS,
  TRACE_ARRAY_NAMES,
  TRACE_ARRAYS,
  TRACE_FORMAT_VERSION,
  type TraceHeader,
} from './format.ts';
import { describeValue, issuesFromZod, traceFormatError } from './issues.ts';

/**
 * Checks a parsed header and returns it typed. `dataBytes` is the size of the data section
 * (file size − data start), used to catch truncated files and trailing garbage.
 */
export function validateHeader(json: unknown, file: string, dataBytes: number): TraceHeader {
  const issue = (path: string, message: string): InputIssue => ({ file, line: 0, col: 0, path, message });
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw traceFormatError([issue('header', `expected a JSON object; got ${describeValue(json)}`)]);
  }
  const version = (json as Record<string, unknown>).formatVersion;
  if (version === undefined) throw traceFormatError([issue('header.formatVersion', `missing required field (expected ${TRACE_FORMAT_VERSION})`)]);
  if (version !== TRACE_FORMAT_VERSION) {
    throw traceFormatError([issue('header.formatVersion', `unsupported version ${describeValue(version)}; this epsim reads version ${TRACE_FORMAT_VERSION}`)]);
  }
  const parsed = headerSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) throw traceFormatError(issuesFromZod(parsed.error, file, 'header'));
  const issues = crossFieldIssues(parsed.data, dataBytes).map(([path, message]) => issue(path, message));
  if (issues.length > 0) throw traceFormatError(issues);
  return parsed.data;
}

function crossFieldIssues(h: TraceHeader, dataBytes: number): [string, string][] {
  const out: [string, string][] = [];
  const { model, tokens } = h;
  const experts = model.ffnExperts + model.zeroExperts;
  if (experts > MAX_EXPERTS) out.push(['header.model', `ffnExperts + zeroExperts = ${experts} exceeds ${MAX_EXPERTS} (expert ids are stored as uint16)`]);
  if (model.topk > experts) out.push(['header.model.topk', `top-k ${model.topk} exceeds the ${experts} experts (ffnExperts + zeroExperts)`]);

  const decisions = tokens * model.layers * model.topk;
  const firstIndex = new Map<string, number>();
  h.arrays.forEach((a, i) => {
    const at = `header.arrays[${i}]`;
    const spec = TRACE_ARRAYS[a.name];
    const previous = firstIndex.get(a.name);
    if (previous !== undefined) out.push([`${at}.name`, `duplicate array "${a.name}" (also arrays[${previous}])`]);
    else firstIndex.set(a.name, i);
    if (a.dtype !== spec.dtype) out.push([`${at}.dtype`, `${a.name} must be ${spec.dtype}; got "${a.dtype}"`]);
    const expected = spec.per === 'decision' ? decisions : tokens;
    if (a.length !== expected) {
      const rule = spec.per === 'decision' ? `tokens × layers × topk = ${tokens} × ${model.layers} × ${model.topk} = ${decisions}` : `tokens = ${tokens}`;
      out.push([`${at}.length`, `${a.name} has ${a.length} values, but ${rule}`]);
    }
    if (a.byteOffset % ARRAY_ALIGN !== 0) out.push([`${at}.byteOffset`, `must be a multiple of ${ARRAY_ALIGN}; got ${a.byteOffset}`]);
  });
  for (const name of TRACE_ARRAY_NAMES) {
    if (TRACE_ARRAYS[name].required && !firstIndex.has(name)) out.push(['header.arrays', `missing the required "${name}" array`]);
  }

  const spans = h.arrays
    .map((a, i) => ({ a, i, start: a.byteOffset, end: a.byteOffset + a.length * DTYPE_BYTES[a.dtype] }))
    .sort((x, y) => x.start - y.start || x.i - y.i);
  spans.forEach((s, k) => {
    const prev = spans[k - 1];
    if (prev && s.start < prev.end && s.end > s.start) {
      out.push([`header.arrays[${s.i}].byteOffset`, `${s.a.name} (data bytes ${s.start}..${s.end}) overlaps ${prev.a.name} (data bytes ${prev.start}..${prev.end})`]);
    }
    if (s.end > dataBytes) {
      out.push([`header.arrays[${s.i}]`, `the file is truncated: ${s.a.name} needs data bytes ${s.start}..${s.end}, but the data section has ${dataBytes} bytes`]);
    }
  });
  const end = spans.reduce((m, s) => Math.max(m, s.end), 0);
  if (dataBytes > end && out.length === 0) out.push(['', `${dataBytes - end} unexpected bytes after the last array`]);

  if (h.tokenText && h.tokenText.length !== tokens) out.push(['header.tokenText', `has ${h.tokenText.length} entries, but tokens = ${tokens}`]);
  const hasDomainArray = firstIndex.has('tokenDomain');
  if (hasDomainArray && !h.domains) out.push(['header.domains', 'missing: the tokenDomain array needs the list of domain names']);
  if (!hasDomainArray && h.domains) out.push(['header.domains', 'lists domains, but there is no tokenDomain array']);
  if (h.domains && h.domains.length > MAX_DOMAINS) out.push(['header.domains', `has ${h.domains.length} entries; at most ${MAX_DOMAINS} (tokenDomain is uint8)`]);
  return out;
}
