// Pure text clean-ups applied to every corpus file, so the model sees readable text and the same
// bytes on every machine (no CRLF, no BOM, no base64 source maps, no repeated licence banners).

/** CRLF/CR → LF, drop a BOM, trim trailing blanks and end with exactly one newline. */
export function normalizeText(text: string): string {
  const body = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').replace(/[ \t]+$/gm, '').replace(/\s+$/, '');
  return body.length > 0 ? `${body}\n` : '';
}

/**
 * Source code as a model should read it. Inline `//# sourceMappingURL=` lines are base64 blobs
 * (often longer than the code); the `@license` banner is the same 15 lines at the top of every
 * tfjs file and would otherwise dominate the BPE merges. Licences are recorded in CORPUS_SOURCES.
 */
export function cleanCode(text: string): string {
  const unix = text.replace(/\r\n?/g, '\n');
  const withoutMaps = unix.replace(/^\/\/# sourceMappingURL=.*$/gm, '');
  const withoutBanner = withoutMaps.replace(/^\s*\/\*\*?\s*\n\s*\*\s*@license[\s\S]*?\*\/\s*\n/, '');
  return normalizeText(withoutBanner);
}

// Brown corpus form C: one sentence per line as `word/tag` pairs, paragraphs start with a tab
// after blank lines. Quotes are written `` and '', and every ';' appears twice (`;/. ;/.`).
const NO_SPACE_BEFORE = new Set([',', '.', ';', ':', '?', '!', ')', ']', "''", "'"]);
const NO_SPACE_AFTER = new Set(['(', '[', '``']);
const SPELLING: Record<string, string> = { '``': '"', "''": '"' };

/** Strips POS tags from one Brown file and rebuilds readable paragraphs (one per line). */
export function cleanBrown(tagged: string): string {
  const paragraphs = tagged
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((block) => detokenize(block.split(/\s+/).filter((t) => t.length > 0).map(stripTag)))
    .filter((p) => p.length > 0);
  return normalizeText(paragraphs.join('\n'));
}

function stripTag(token: string): string {
  // The tag follows the last '/', so words that contain '/' ("1/2/cd", "//in") keep theirs.
  const slash = token.lastIndexOf('/');
  return slash > 0 ? token.slice(0, slash) : token;
}

function detokenize(words: string[]): string {
  let out = '';
  let previous = '';
  for (const word of words) {
    if (word === ';' && previous === ';') continue;
    const glue = out.length === 0 || NO_SPACE_BEFORE.has(word) || NO_SPACE_AFTER.has(previous);
    out += (glue ? '' : ' ') + (SPELLING[word] ?? word);
    previous = word;
  }
  return out;
}
