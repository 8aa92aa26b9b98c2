// UTF-8 helpers for a byte-level tokenizer: tokens are byte strings, but people read characters.

const encoder = new TextEncoder();
const lenient = new TextDecoder('utf-8');
const strict = new TextDecoder('utf-8', { fatal: true });

export function utf8Bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes, replacing invalid sequences with U+FFFD (as any UTF-8 reader would). */
export function utf8Text(bytes: Uint8Array): string {
  return lenient.decode(bytes);
}

/** The text when `bytes` is well-formed UTF-8, else undefined. */
export function utf8TextStrict(bytes: Uint8Array): string | undefined {
  try {
    return strict.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Length of the longest prefix of bytes[0..length) that does not end inside a multi-byte
 * character. Bytes that can never complete a character count as complete (they decode to U+FFFD).
 */
export function completePrefixLength(bytes: ArrayLike<number>, length: number): number {
  let start = length - 1;
  while (start > 0 && length - start < 4 && (bytes[start]! & 0xc0) === 0x80) start--;
  if (start < 0) return 0;
  const lead = bytes[start]!;
  const needed = lead < 0xc0 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : lead < 0xf8 ? 4 : 1;
  return length - start >= needed ? length : start;
}
