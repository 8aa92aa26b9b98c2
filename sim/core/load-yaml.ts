// Parse a YAML file and validate it against a zod schema, reporting every problem as
// `file:line:col: key.path: message` (sorted by line), never a stack trace or a silent default.
// Hostile YAML is refused before it can cost anything: nesting is bounded on the parser's flat
// token tree (before the recursive composer sees it), and aliases are resolved and counted here
// (unknown, self-containing, or expanding past MAX_YAML_NODES values) before toJS() expands them.
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, Parser, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type InputIssue } from './errors.ts';

type Path = (string | number)[];

/** Parses `text` (the contents of `file`) and returns the schema's output, or throws ConfigError. */
export function parseYaml<S extends z.ZodType>(text: string, file: string, schema: S): z.output<S> {
  const { doc, locate, issueAt } = parseDocumentWithPositions(text, file);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_YAML_NODES });
  } catch (error) {
    // Not expected after the checks above; still the user's file, so still a located message.
    throw new ConfigError([{ ...issueAt([], `cannot convert the YAML to data: ${(error as Error).message}`) }]);
  }
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  throw new ConfigError(sortIssues(result.error.issues.flatMap((zi) => toInputIssues(zi, data, schema, locate)).map((i) => ({ ...i, file }))));
}

/** Parses YAML syntax only (duplicate keys are errors) and returns a locator for key paths. */
export function parseDocumentWithPositions(text: string, file: string) {
  const lineCounter = new LineCounter();
  const at = (offset: number, message: string): ConfigError => {
    const pos = lineCounter.linePos(offset);
    return new ConfigError([{ file, line: pos.line, col: pos.col, path: '', message }]);
  };
  const tooDeep = deepestNestingOffset(text);
  if (tooDeep !== undefined) {
    for (const _ of new Parser(lineCounter.addNewLine).parse(text)); // fills lineCounter for the position
    throw at(tooDeep, `maps and lists nest more than ${MAX_YAML_DEPTH} levels deep here; epsim files nest a few levels`);
  }
  // logLevel 'error': yaml's warnings (a map used as a key, say) must not go to stderr.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, logLevel: 'error' });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        // yaml's own text for this one does not say which key is repeated.
        const message = e.code === 'DUPLICATE_KEY' ? `duplicate key ${keyAt(text, e.pos[0])}` : firstLine(e.message);
        return { file, line: pos.line, col: pos.col, path: '', message };
      }),
    );
  }
  if (doc.contents === null) {
    throw new ConfigError([{ file, line: 1, col: 1, path: '', message: 'the file is empty; expected a YAML mapping' }]);
  }
  const aliasProblem = checkAliases(doc);
  if (aliasProblem) throw at(aliasProblem.offset, aliasProblem.message);
  const locate = (path: Path): { line: number; col: number } => {
    const offset = offsetOf(doc, path);
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, col: pos.col };
  };
  const issueAt = (path: Path, message: string): InputIssue => ({ file, ...locate(path), path: formatPath(path), message });
  return { doc, locate, issueAt };
}

/** Builds a ConfigError for a rule checked after schema validation, pointing at the YAML key. */
export function configErrorAt(text: string, file: string, problems: { path: Path; message: string }[]): ConfigError {
  const { issueAt } = parseDocumentWithPositions(text, file);
  return new ConfigError(sortIssues(problems.map((p) => issueAt(p.path, p.message))));
}

/** Deepest nesting of maps and lists a file may have; epsim's scenario files nest four levels. */
export const MAX_YAML_DEPTH = 64;
/** Most values a document may hold once its aliases are expanded; epsim's files hold a few hundred. */
export const MAX_YAML_NODES = 100_000;

type CstToken = { type: string; offset: number; value?: CstToken; items?: { key?: CstToken | null; value?: CstToken | null }[] };

/**
 * Offset of the first collection nested deeper than MAX_YAML_DEPTH, or undefined. yaml's lexer and
 * parser are iterative (only its composer and toJS recurse), so the token tree is walked with an
 * explicit stack: no input depth can overflow this walk.
 */
function deepestNestingOffset(text: string): number | undefined {
  for (const token of new Parser().parse(text) as Iterable<CstToken>) {
    const stack: [CstToken, number][] = token.value ? [[token.value, 0]] : [];
    while (stack.length > 0) {
      const [t, depth] = stack.pop()!;
      if (!t.items) continue;
      if (depth + 1 > MAX_YAML_DEPTH) return t.offset;
      for (const item of t.items) {
        if (item.key) stack.push([item.key, depth + 1]);
        if (item.value) stack.push([item.value, depth + 1]);
      }
    }
  }
  return undefined;
}

/**
 * Resolves every alias as yaml will (the last anchor of that name before it, in document order)
 * and counts the values the document expands to: an unknown alias, an alias inside the node it
 * names (a cycle), or an expansion past MAX_YAML_NODES (an alias bomb) is a problem at the alias.
 * Iterative post-order walk: sizes of finished nodes are memoised, so a bomb costs its text only.
 */
function checkAliases(doc: Document): { offset: number; message: string } | undefined {
  const anchors = new Map<string, unknown>();
  const size = new Map<unknown, number>();
  const open = new Set<unknown>();
  let expanded = 0;
  const children = (n: unknown): unknown[] => {
    if (isMap(n) || isSeq(n)) return n.items as unknown[];
    if (isPair(n)) return [n.key, n.value];
    return [];
  };
  const stack: { node: unknown; next: number; total: number }[] = [{ node: doc.contents, next: 0, total: 1 }];
  const enter = (node: unknown): { offset: number; message: string } | undefined => {
    const anchor = (node as { anchor?: string } | null)?.anchor;
    if (anchor) anchors.set(anchor, node);
    if (isAlias(node)) {
      const offset = node.range?.[0] ?? 0;
      const target = anchors.get(node.source);
      if (target === undefined) return { offset, message: `unknown alias *${node.source}: no anchor &${node.source} comes before it` };
      if (open.has(target)) return { offset, message: `alias *${node.source} is inside the value it names, which would make it endless` };
      const s = size.get(target) ?? 1;
      expanded += s;
      stack[stack.length - 1]!.total += s;
      if (expanded > MAX_YAML_NODES) return { offset, message: `the aliases expand this document past ${MAX_YAML_NODES.toLocaleString('en-US')} values (an alias bomb?); write the values out instead` };
      return undefined;
    }
    if (node === null || typeof node !== 'object') return undefined;
    expanded++;
    open.add(node);
    stack.push({ node, next: 0, total: 1 });
    return undefined;
  };
  open.add(doc.contents);
  expanded = 1;
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const kids = children(top.node);
    if (top.next < kids.length) {
      const problem = enter(kids[top.next++]);
      if (problem) return problem;
      continue;
    }
    stack.pop();
    open.delete(top.node);
    size.set(top.node, top.total);
    if (stack.length > 0) stack[stack.length - 1]!.total += top.total;
  }
  return undefined;
}

export function formatPath(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function sortIssues(issues: InputIssue[]): InputIssue[] {
  return issues.sort((a, b) => a.line - b.line || a.col - b.col || a.path.localeCompare(b.path));
}

/** The plain or quoted key that starts at `offset`, quoted for a message. */
function keyAt(text: string, offset: number): string {
  const key = /^("[^"]*"|'[^']*'|[^:\s,{}[\]]+)/.exec(text.slice(offset))?.[0] ?? '';
  return key.startsWith('"') || key.startsWith("'") ? key : `"${key}"`;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/** Offset of the deepest node on `path` that exists: the key of a mapping entry where there is one. */
function offsetOf(doc: Document, path: Path): number {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment]) {
      node = node.items[segment];
      offset = (node as Node).range?.[0] ?? offset;
    } else {
      break;
    }
  }
  return offset;
}

function valueAt(data: unknown, path: Path): unknown {
  let v: unknown = data;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number') return String(v); // JSON would print Infinity and NaN as null
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

interface ZodIssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
  values?: unknown[];
  /** invalid_union on a discriminated union: the tags it accepts. */
  options?: unknown[];
  /** too_small: what was measured, and the least allowed. */
  origin?: string;
  minimum?: number | bigint;
}

function toInputIssues(
  zi: ZodIssueLike,
  data: unknown,
  schema: z.ZodType,
  locate: (p: Path) => { line: number; col: number },
): InputIssue[] {
  const path = zi.path.filter((p): p is string | number => typeof p !== 'symbol');
  const issue = (p: Path, message: string): InputIssue => ({ file: '', ...locate(p), path: formatPath(p), message });
  if (zi.code === 'unrecognized_keys' && zi.keys) {
    const known = knownKeysAt(schema, path, valueAt(data, path));
    return zi.keys.map((key) => {
      const hint = known ? `; expected one of: ${known.join(', ')}${didYouMean(key, known)}` : '';
      return issue([...path, key], `unknown field "${key}"${hint}`);
    });
  }
  const value = valueAt(data, path);
  if (value === undefined && zi.code === 'invalid_type') {
    return [issue(path, `missing required field (${zi.message.replace(/^Invalid input: /, '').replace(/, received undefined$/, '')})`)];
  }
  // A discriminated union's tag that matches no option: zod's "Invalid discriminator value".
  if (zi.code === 'invalid_union' && zi.options && zi.options.length > 0) {
    const options = zi.options.map(String);
    const hint = typeof value === 'string' ? closestOption(value, options) : '';
    return [issue(path, `expected one of: ${options.join(', ')}; got ${describeValue(value)}${hint}`)];
  }
  // An empty list where entries are needed (zod: "Too small: expected array to have >=1 items").
  if (zi.code === 'too_small' && zi.origin === 'array' && typeof zi.minimum === 'number') {
    return [issue(path, `needs at least ${zi.minimum} ${zi.minimum === 1 ? 'entry' : 'entries'}; got ${describeValue(value)}`)];
  }
  // zod names only the received type ("received string"); the value itself is more useful.
  const message = zi.message.replace(/^Invalid (input|option): /, '').replace(/^Too (small|big): /, '').replace(/, received \w+$/, '');
  const got = / got /.test(message) ? '' : `; got ${describeValue(value)}`;
  const options = zi.values?.filter((v): v is string => typeof v === 'string');
  const hint = typeof value === 'string' && options && options.length > 0 ? closestOption(value, options) : '';
  return [issue(path, `${message}${got}${hint}`)];
}

/**
 * The keys a strict object schema allows at `path`, unwrapping optional/default/pipe wrappers. At
 * a union of objects (a discriminated union), only the options whose literal fields match `value`
 * count: a decode workload's typo lists decode's fields, not every phase's.
 */
function knownKeysAt(schema: z.ZodType, path: Path, value?: unknown): string[] | undefined {
  type Def = Record<string, unknown>;
  const defOf = (x: unknown): Def | undefined => (x as { _zod?: { def?: Def } })?._zod?.def;
  const unwrap = (x: unknown): unknown => {
    for (let i = 0; i < 10; i++) {
      const def = defOf(x);
      if (!def) return x;
      if (def.innerType) x = def.innerType;
      else if (def.type === 'pipe' && def.in) x = def.in;
      else return x;
    }
    return x;
  };
  // Object shapes at this schema: one for an object, one per object option of a union.
  const shapes = (x: unknown): Record<string, unknown>[] => {
    const def = defOf(unwrap(x));
    if (def?.type === 'object') return [def.shape as Record<string, unknown>];
    if (def?.type === 'union') return (def.options as unknown[]).flatMap(shapes);
    return [];
  };
  let s: unknown = schema;
  for (const p of path) {
    const def = defOf(unwrap(s));
    if (!def) return undefined;
    if (typeof p === 'string') {
      const withKey = shapes(s).find((shape) => p in shape);
      if (withKey) s = withKey[p];
      else if (def.type === 'record') s = def.valueType;
      else return undefined;
    } else if (def.type === 'array') s = def.element;
    else return undefined;
  }
  const all = shapes(s);
  const matching = all.filter((shape) => literalsMatch(shape, value));
  const keys = [...new Set((matching.length > 0 ? matching : all).flatMap((shape) => Object.keys(shape)))];
  return keys.length > 0 ? keys : undefined;
}

/** True when every literal-valued field of `shape` (a union's discriminator) equals that field of `value`. */
function literalsMatch(shape: Record<string, unknown>, value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  for (const [key, field] of Object.entries(shape)) {
    const def = (field as { _zod?: { def?: { type?: string; values?: unknown[] } } })?._zod?.def;
    if (def?.type === 'literal' && !def.values?.includes((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/**
 * A did-you-mean for an enum value: the only option having it as a dash-separated part ("sbo" ->
 * "scmoe-sbo", not the nearer "tbo"), else the closest option, else the only one containing it.
 */
export function closestOption(value: string, options: readonly string[]): string {
  const v = value.toLowerCase();
  const only = (list: string[]) => (list.length === 1 ? ` (did you mean "${list[0]}"?)` : '');
  const byPart = only(options.filter((o) => o.toLowerCase().split('-').includes(v)));
  if (byPart) return byPart;
  return didYouMean(value, options) || only(options.filter((o) => o.toLowerCase().includes(v)));
}

/** ` (did you mean "x"?)` for the closest of `known` when it is close enough, else ''. */
export function didYouMean(key: string, known: readonly string[]): string {
  let best = '';
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? ` (did you mean "${best}"?)` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
