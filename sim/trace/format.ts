// The on-disk routing trace (see FORMAT.md): 8-byte magic "EPSIMTRC", uint32 LE header length,
// a UTF-8 JSON header, then little-endian typed arrays at 8-byte-aligned offsets counted from
// the start of the data section. A small header plus packed arrays lets a trace of millions of
// decisions load with zero-copy views instead of per-element JSON.
import { z } from 'zod';
import { boundedInt } from '../core/index.ts';

export const TRACE_MAGIC = 'EPSIMTRC';
export const TRACE_FORMAT_VERSION = 1;
/** Magic (8 bytes) + header length (uint32). */
export const PREAMBLE_BYTES = 12;
/** Alignment of the data section and of every array in it (enough for any dtype used). */
export const ARRAY_ALIGN = 8;

export const TRACE_DTYPES = ['uint16', 'float32', 'int32', 'uint8'] as const;
export type TraceDtype = (typeof TRACE_DTYPES)[number];
export const DTYPE_BYTES: Record<TraceDtype, number> = { uint16: 2, float32: 4, int32: 4, uint8: 1 };

export const TRACE_ARRAY_NAMES = ['experts', 'gates', 'tokenIds', 'tokenDomain'] as const;
export type TraceArrayName = (typeof TRACE_ARRAY_NAMES)[number];

/** Each array's dtype, and whether it has one value per decision (token×layer×k) or per token. */
export const TRACE_ARRAYS: Record<TraceArrayName, { dtype: TraceDtype; per: 'decision' | 'token'; required: boolean }> = {
  experts: { dtype: 'uint16', per: 'decision', required: true },
  gates: { dtype: 'float32', per: 'decision', required: true },
  tokenIds: { dtype: 'int32', per: 'token', required: false },
  tokenDomain: { dtype: 'uint8', per: 'token', required: false },
};

/** Expert ids are stored as uint16. */
export const MAX_EXPERTS = 65536;
/** tokenDomain is uint8. */
export const MAX_DOMAINS = 256;

const count = z.number().int().min(0);

/** The model shape a trace records; sizes a real MoE can have (the traced preset is built from them). */
export const modelSchema = z.strictObject({
  name: z.string().max(200),
  layers: boundedInt(1, 1_024),
  ffnExperts: boundedInt(1, MAX_EXPERTS),
  zeroExperts: boundedInt(0, MAX_EXPERTS),
  topk: boundedInt(1, 256),
  hidden: boundedInt(1, 65_536).optional(),
  expertHidden: boundedInt(1, 262_144).optional(),
});

export const provenanceSchema = z.strictObject({
  createdBy: z.string(),
  checkpoint: z.string().optional(),
  corpus: z.string().optional(),
  textFile: z.string().optional(),
  seed: z.number().optional(),
  notes: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});

export const arrayEntrySchema = z.strictObject({
  name: z.enum(TRACE_ARRAY_NAMES),
  dtype: z.enum(TRACE_DTYPES),
  /** Number of values (not bytes). */
  length: count,
  /** From the start of the data section; a multiple of ARRAY_ALIGN. */
  byteOffset: count,
});

export const headerSchema = z.strictObject({
  formatVersion: z.literal(TRACE_FORMAT_VERSION),
  model: modelSchema,
  provenance: provenanceSchema,
  tokens: count,
  arrays: z.array(arrayEntrySchema),
  domains: z.array(z.string()).optional(),
  tokenText: z.array(z.string()).optional(),
});

export type TraceHeader = z.infer<typeof headerSchema>;
export type TraceArrayEntry = z.infer<typeof arrayEntrySchema>;

export function alignUp(n: number, to = ARRAY_ALIGN): number {
  return Math.ceil(n / to) * to;
}

/** Byte offset of the data section for a header of `headerLength` bytes. */
export function dataStart(headerLength: number): number {
  return alignUp(PREAMBLE_BYTES + headerLength);
}

/** True on little-endian hosts (all current Node platforms); others take a copying path. */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
