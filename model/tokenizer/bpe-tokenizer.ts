// A byte-level BPE tokenizer: text → UTF-8 bytes → GPT-2 pre-split pieces → merges applied by
// rank. Any well-formed string round-trips exactly (bytes are the base vocabulary, so nothing is
// ever unknown). Saved as a small JSON file of merges next to the model checkpoint.
import { preSplit, PRE_SPLIT_PATTERN } from './pre-split.ts';
import { parseTokenizerJson, TOKENIZER_FORMAT, TOKENIZER_FORMAT_VERSION, type TokenizerJson } from './tokenizer-json.ts';
import { completePrefixLength, utf8Bytes, utf8Text, utf8TextStrict } from './utf8.ts';

/** Token ids must fit the pair key below (and int32 token ids in traces). */
export const MAX_VOCAB_SIZE = 65536;

/** A merge (left id, right id); merge i creates token 256 + i. */
export type BpeMerge = readonly [number, number];

export function pairKey(a: number, b: number): number {
  return a * 65536 + b;
}

/** Facts about the training run kept in the file (sizes only, so files are reproducible). */
export type BpeMeta = Record<string, string | number>;

const CACHE_LIMIT = 100_000;

export class BpeTokenizer {
  readonly merges: readonly BpeMerge[];
  readonly meta: BpeMeta;
  private readonly ranks = new Map<number, number>();
  private readonly bytesOf: Uint8Array[] = [];
  private readonly cache = new Map<string, readonly number[]>();

  /** Merges must only use ids defined before them (fromJSON() checks files for this). */
  constructor(merges: readonly BpeMerge[], meta: BpeMeta = {}) {
    this.merges = merges;
    this.meta = meta;
    for (let b = 0; b < 256; b++) this.bytesOf.push(Uint8Array.of(b));
    merges.forEach(([a, b], rank) => {
      this.ranks.set(pairKey(a, b), rank);
      const left = this.bytesOf[a]!;
      const right = this.bytesOf[b]!;
      const joined = new Uint8Array(left.length + right.length);
      joined.set(left);
      joined.set(right, left.length);
      this.bytesOf.push(joined);
    });
  }

  get vocabSize(): number {
    return 256 + this.merges.length;
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    for (const piece of preSplit(text)) {
      let pieceIds = this.cache.get(piece);
      if (pieceIds === undefined) {
        pieceIds = this.encodePiece(utf8Bytes(piece));
        if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
        this.cache.set(piece, pieceIds);
      }
      for (const id of pieceIds) ids.push(id);
    }
    return ids;
  }

  decode(ids: readonly number[]): string {
    return utf8Text(this.bytesFor(ids));
  }

  /** The UTF-8 bytes of a token sequence. */
  bytesFor(ids: readonly number[]): Uint8Array {
    let n = 0;
    for (const id of ids) n += this.tokenBytes(id).length;
    const out = new Uint8Array(n);
    let at = 0;
    for (const id of ids) {
      const b = this.bytesOf[id]!;
      out.set(b, at);
      at += b.length;
    }
    return out;
  }

  tokenBytes(id: number): Uint8Array {
    const b = Number.isInteger(id) ? this.bytesOf[id] : undefined;
    if (b === undefined) throw new RangeError(`token id ${id} is not in this vocabulary (0..${this.vocabSize - 1})`);
    return b;
  }

  /**
   * A readable label for one token: its text, or for a token holding part of a multi-byte
   * character, its bytes as \xNN (e.g. "\xE2\x80"). Use pieces() to label a token sequence.
   */
  tokenText(id: number): string {
    const bytes = this.tokenBytes(id);
    return utf8TextStrict(bytes) ?? Array.from(bytes, (b) => (b < 0x80 ? String.fromCharCode(b) : `\\x${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
  }

  /**
   * The text of each token of a sequence, where a character split over several tokens belongs
   * to the token that completes it (the others get ''). For well-formed text,
   * pieces(ids).join('') === decode(ids): the dashboard can colour text token by token.
   */
  pieces(ids: readonly number[]): string[] {
    const out: string[] = [];
    let pending: number[] = [];
    for (const id of ids) {
      for (const b of this.tokenBytes(id)) pending.push(b);
      const cut = completePrefixLength(pending, pending.length);
      out.push(utf8Text(Uint8Array.from(pending.slice(0, cut))));
      pending = pending.slice(cut);
    }
    if (pending.length > 0 && out.length > 0) out[out.length - 1] += utf8Text(Uint8Array.from(pending));
    return out;
  }

  toJSON(): TokenizerJson {
    return {
      format: TOKENIZER_FORMAT,
      formatVersion: TOKENIZER_FORMAT_VERSION,
      preSplit: PRE_SPLIT_PATTERN,
      vocabSize: this.vocabSize,
      merges: this.merges.map(([a, b]) => [a, b]),
      meta: { ...this.meta },
    };
  }

  /** Reads a saved tokenizer (an object or JSON text); bad files give UserInputError naming `file` and the field. */
  static fromJSON(json: unknown, file = '(tokenizer)'): BpeTokenizer {
    const parsed = parseTokenizerJson(json, file);
    return new BpeTokenizer(parsed.merges as BpeMerge[], parsed.meta ?? {});
  }

  /** Applies merges by rank (lowest first) until none applies: the same result training produced. */
  private encodePiece(bytes: Uint8Array): number[] {
    let symbols = Array.from(bytes);
    while (symbols.length > 1) {
      let best = Infinity;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = this.ranks.get(pairKey(symbols[i]!, symbols[i + 1]!));
        if (rank !== undefined && rank < best) best = rank;
      }
      if (best === Infinity) break;
      const [a, b] = this.merges[best]!;
      const id = 256 + best;
      const next: number[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i + 1 < symbols.length && symbols[i] === a && symbols[i + 1] === b) {
          next.push(id);
          i++;
        } else {
          next.push(symbols[i]!);
        }
      }
      symbols = next;
    }
    return symbols;
  }
}
