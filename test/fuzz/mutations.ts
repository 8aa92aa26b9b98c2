// Mutations of epsim's inputs for the fuzz suite: each is plain data (a kind and a few numbers)
// drawn by fast-check from a seed, applied by a pure function, so a failing case prints as data
// and reproduces exactly. YAML: structure, types, extreme numbers, aliases, nesting, encodings,
// truncation. Traces: bytes, header fields, lengths. CSV dumps: cells, rows, encodings.
import fc from 'fast-check';

/** Numbers at and past every range's edge, and the float64 oddities. */
export const EXTREME_NUMBERS = [
  '0', '-1', '1', '2', '3', '7', '1.5', '0.5', '1e-300', '1e300', '-1e300', '9007199254740993', '9007199254740991', '1e15', '1e12', '1e7',
  '100000', '65536', '65537', '131072', '131073', '16384', '16385', '1024', '1025', '.inf', '-.inf', '.nan', '0x10', '0o17', '1_000', '4096', '1e-9', '-0',
];

/** Values of other types and YAML constructs. */
export const ODD_VALUES = [
  'null', '~', 'true', 'no', '""', "''", '[]', '{}', '[1, 2]', '{ a: 1 }', 'x', '*nope', '&a 1', '!!binary aGk=', '!!str 1', '"\\u0000"', '"\\x00\\xff"',
  '2024-01-01', "'../../../../etc/passwd'", '/dev/zero', '/etc/passwd', '"%c0%ae"', 'a'.repeat(5000), '|\n  block\n  scalar', '[' + '1, '.repeat(2000) + '1]',
];

/** Factors for a number that stays plausible: most such scenarios validate and some then run. */
export const SCALES = [0.5, 2, 3, 4, 8, 0.25, 10, 1.5];

export type YamlMutation =
  | { kind: 'number'; at: number; value: number }
  | { kind: 'scale'; at: number; factor: number }
  | { kind: 'value'; at: number; value: number }
  | { kind: 'deleteLine' | 'duplicateLine' | 'indentLine' | 'typoKey'; at: number; by: number }
  | { kind: 'truncate'; fraction: number }
  | { kind: 'hostile'; which: number; at: number }
  | { kind: 'encoding'; which: number; at: number };

export const yamlMutation: fc.Arbitrary<YamlMutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('number' as const), at: fc.nat(), value: fc.nat(EXTREME_NUMBERS.length - 1) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('scale' as const), at: fc.nat(), factor: fc.nat(SCALES.length - 1) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('value' as const), at: fc.nat(), value: fc.nat(ODD_VALUES.length - 1) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('deleteLine' as const, 'duplicateLine' as const, 'indentLine' as const, 'typoKey' as const), at: fc.nat(), by: fc.nat(8) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('hostile' as const), which: fc.nat(5), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('encoding' as const), which: fc.nat(6), at: fc.nat() }) },
);

const NUMBER = /(?<=[:[,]\s*)-?\d+(\.\d+)?([eE][+-]?\d+)?(?=\s*(,|\]|\}|#|$))/gm;
const VALUE = /^(\s*(?:- )?[A-Za-z][\w]*:[ ]+)([^#\n]+?)(\s*(#.*)?)$/gm;

function aliasBomb(): string {
  const lines = ['bomb0: &b0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 9; i++) lines.push(`bomb${i}: &b${i} [${Array(10).fill(`*b${i - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\n`;
}

const HOSTILE = [
  aliasBomb,
  () => 'unresolved: *nope\n',
  () => `deep: ${'{a: '.repeat(2000)}1${'}'.repeat(2000)}\n`,
  () => `${Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}n:`).join('\n')} 1\n`,
  () => 'cycle: &c [1, *c]\n',
  () => `---\nsecond: document\n`,
];

/** Applies `mutations` to YAML text; the result may be any bytes (an encoding mutation). */
export function mutateYaml(text: string, mutations: readonly YamlMutation[]): Buffer {
  let out = text;
  let encoding: ((s: string, at: number) => Buffer) | undefined;
  let encodingAt = 0;
  for (const m of mutations) {
    const lines = out.split('\n');
    const line = (at: number) => at % Math.max(1, lines.length);
    switch (m.kind) {
      case 'number': {
        const hits = [...out.matchAll(NUMBER)];
        const hit = hits[m.at % Math.max(1, hits.length)];
        if (hit) out = out.slice(0, hit.index) + EXTREME_NUMBERS[m.value]! + out.slice(hit.index! + hit[0].length);
        break;
      }
      case 'scale': {
        const hits = [...out.matchAll(NUMBER)];
        const hit = hits[m.at % Math.max(1, hits.length)];
        if (hit) {
          const v = Number(hit[0]) * SCALES[m.factor]!;
          const text = Number.isInteger(Number(hit[0])) ? String(Math.max(0, Math.round(v))) : String(+v.toPrecision(6));
          out = out.slice(0, hit.index) + text + out.slice(hit.index! + hit[0].length);
        }
        break;
      }
      case 'value': {
        const hits = [...out.matchAll(VALUE)];
        const hit = hits[m.at % Math.max(1, hits.length)];
        if (hit) out = out.slice(0, hit.index) + hit[1] + ODD_VALUES[m.value]! + (hit[3] ?? '') + out.slice(hit.index! + hit[0].length);
        break;
      }
      case 'deleteLine':
        lines.splice(line(m.at), 1 + (m.by % 3));
        out = lines.join('\n');
        break;
      case 'duplicateLine':
        lines.splice(line(m.at), 0, lines[line(m.at)]!);
        out = lines.join('\n');
        break;
      case 'indentLine':
        lines[line(m.at)] = ' '.repeat(m.by) + lines[line(m.at)]!.trimStart();
        out = lines.join('\n');
        break;
      case 'typoKey': {
        const l = line(m.at);
        lines[l] = lines[l]!.replace(/[A-Za-z](?=[\w]*:)/, (c) => String.fromCharCode(c.charCodeAt(0) + 1 + (m.by % 3)));
        out = lines.join('\n');
        break;
      }
      case 'truncate':
        out = out.slice(0, Math.floor(out.length * m.fraction));
        break;
      case 'hostile': {
        const l = line(m.at);
        lines.splice(l, 0, HOSTILE[m.which % HOSTILE.length]!());
        out = lines.join('\n');
        break;
      }
      case 'encoding':
        encoding = ENCODINGS[m.which % ENCODINGS.length];
        encodingAt = m.at;
        break;
    }
  }
  return encoding ? encoding(out, encodingAt) : Buffer.from(out, 'utf8');
}

const ENCODINGS: ((s: string, at: number) => Buffer)[] = [
  (s) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')]),
  (s) => Buffer.from(`\ufeff${s}`, 'utf8'),
  (s) => Buffer.from(s.replace(/\n/g, '\r\n'), 'utf8'),
  (s, at) => spliceBytes(Buffer.from(s, 'utf8'), at, Buffer.from([0xc0, 0xae, 0xff, 0xfe])),
  (s, at) => spliceBytes(Buffer.from(s, 'utf8'), at, Buffer.from([0x00])),
  (s) => Buffer.from(s.replace(/^( +)/gm, (sp) => '\t'.repeat(Math.ceil(sp.length / 2))), 'utf8'),
  (s) => Buffer.from(s.replace(/\n/g, '\r'), 'utf8'),
];

function spliceBytes(b: Buffer, at: number, insert: Buffer): Buffer {
  const i = at % (b.length + 1);
  return Buffer.concat([b.subarray(0, i), insert, b.subarray(i)]);
}

export type TraceMutation =
  | { kind: 'flip'; at: number; xor: number; inHeader: boolean }
  | { kind: 'truncate'; fraction: number }
  | { kind: 'append'; bytes: number }
  | { kind: 'headerField'; at: number; value: number }
  | { kind: 'headerLength'; delta: number };

export const traceMutation: fc.Arbitrary<TraceMutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }), inHeader: fc.boolean() }),
  fc.record({ kind: fc.constant('truncate' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.integer({ min: 1, max: 64 }) }),
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('headerField' as const), at: fc.nat(), value: fc.nat(EXTREME_NUMBERS.length + 3) }) },
  fc.record({ kind: fc.constant('headerLength' as const), delta: fc.integer({ min: -64, max: 1 << 30 }) }),
);

/** Applies `mutations` to a trace file's bytes (magic, uint32 header length, JSON header, arrays). */
export function mutateTrace(original: Buffer, mutations: readonly TraceMutation[]): Buffer {
  let bytes = Buffer.from(original);
  for (const m of mutations) {
    const headerLength = bytes.length >= 12 ? bytes.readUInt32LE(8) : 0;
    switch (m.kind) {
      case 'flip': {
        const span = m.inHeader ? Math.min(bytes.length, 12 + headerLength) : bytes.length;
        if (span > 0) bytes[m.at % span] ^= m.xor;
        break;
      }
      case 'truncate':
        bytes = bytes.subarray(0, Math.floor(bytes.length * m.fraction));
        break;
      case 'append':
        bytes = Buffer.concat([bytes, Buffer.alloc(m.bytes, 0xab)]);
        break;
      case 'headerLength':
        if (bytes.length >= 12) bytes.writeUInt32LE(Math.max(0, Math.min(0xffffffff, headerLength + m.delta)), 8);
        break;
      case 'headerField': {
        let header: unknown;
        try {
          header = JSON.parse(bytes.subarray(12, 12 + headerLength).toString('utf8'));
        } catch {
          break;
        }
        const slots = numericSlots(header);
        const slot = slots[m.at % Math.max(1, slots.length)];
        if (!slot) break;
        const raw = [...EXTREME_NUMBERS.map((n) => Number(n.replace('.inf', 'Infinity'))), 'x', null, [], -0.5][m.value];
        slot.parent[slot.key] = Number.isFinite(raw as number) || typeof raw !== 'number' ? raw : 1e308;
        const text = Buffer.from(JSON.stringify(header), 'utf8');
        // Keep the data section where it was when the new header fits in the old one's space (padded).
        const padded = text.length <= headerLength ? Buffer.concat([text, Buffer.alloc(headerLength - text.length, 0x20)]) : text;
        const length = Buffer.alloc(4);
        length.writeUInt32LE(padded.length);
        bytes = Buffer.concat([bytes.subarray(0, 8), length, padded, bytes.subarray(12 + headerLength)]);
        break;
      }
    }
  }
  return bytes;
}

function numericSlots(v: unknown, out: { parent: Record<string | number, unknown>; key: string | number }[] = []) {
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (typeof x === 'number') out.push({ parent: v as Record<string, unknown>, key: Array.isArray(v) ? Number(k) : k });
      else numericSlots(x, out);
    }
  }
  return out;
}

export type CsvMutation =
  | { kind: 'cell'; row: number; col: number; value: number }
  | { kind: 'deleteRow' | 'duplicateRow' | 'swapRows'; row: number }
  | { kind: 'truncate'; fraction: number }
  | { kind: 'encoding'; which: number; at: number };

const CSV_VALUES = ['', '-1', '1e300', '65536', '65535', '4', '0', '1.5', 'x', '9007199254740993', '99999999999999999999', '"q"', ' 1', 'NaN', 'Infinity', '0x1', '1,2'];

export const csvMutation: fc.Arbitrary<CsvMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('cell' as const), row: fc.nat(), col: fc.nat(8), value: fc.nat(CSV_VALUES.length - 1) }) },
  fc.record({ kind: fc.constantFrom('deleteRow' as const, 'duplicateRow' as const, 'swapRows' as const), row: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('encoding' as const), which: fc.nat(6), at: fc.nat() }),
);

/** A valid dump: `tokens` tokens x `layers` layers, top-2 of 8 experts, with gates. */
export function validCsv(tokens: number, layers: number): string {
  const rows = ['token,layer,e0,e1,g0,g1'];
  for (let t = 0; t < tokens; t++) for (let l = 0; l < layers; l++) rows.push(`${t},${l},${(t + l) % 8},${(t + 2 * l + 1) % 8 === (t + l) % 8 ? (t + l + 1) % 8 : (t + 2 * l + 1) % 8},0.6,0.4`);
  return `${rows.join('\n')}\n`;
}

export function mutateCsv(text: string, mutations: readonly CsvMutation[]): Buffer {
  let rows = text.split('\n');
  let encoded: Buffer | undefined;
  for (const m of mutations) {
    if (rows.length === 0) rows = [''];
    const r = (i: number) => i % rows.length;
    switch (m.kind) {
      case 'cell': {
        const cells = rows[r(m.row)]!.split(',');
        cells[m.col % Math.max(1, cells.length)] = CSV_VALUES[m.value]!;
        rows[r(m.row)] = cells.join(',');
        break;
      }
      case 'deleteRow':
        rows.splice(r(m.row), 1);
        break;
      case 'duplicateRow':
        rows.splice(r(m.row), 0, rows[r(m.row)]!);
        break;
      case 'swapRows': {
        const a = r(m.row);
        const b = r(m.row * 7 + 3);
        [rows[a], rows[b]] = [rows[b]!, rows[a]!];
        break;
      }
      case 'truncate':
        rows = rows.join('\n').slice(0, Math.floor(rows.join('\n').length * m.fraction)).split('\n');
        break;
      case 'encoding':
        encoded = ENCODINGS[m.which % ENCODINGS.length]!(rows.join('\n'), m.at);
        break;
    }
  }
  return encoded ?? Buffer.from(rows.join('\n'), 'utf8');
}
