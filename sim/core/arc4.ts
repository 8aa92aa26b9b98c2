// The simulator's generator: RC4 with its first 256 bytes dropped, keyed from the seed text as
// seedrandom keys it, so the stream is seedrandom's `quick()` stream bit for bit (every sampled
// routing and placement of earlier versions is reproduced). Written here for speed where it is
// used: the routing sample draws ~10 numbers per token and layer (tens of millions at 1,024
// GPUs). In a bare loop this class and seedrandom's closures both take ~25 ns per number, but
// inside the sample this one made DeepSeek-V3 decode's first schedules ~7-10% faster (farm-bench,
// paired). test/core/arc4.test.ts checks it against seedrandom itself.

export class Arc4 {
  private readonly s = new Uint8Array(256);
  private i = 0;
  private j = 0;

  constructor(seed: string) {
    // The key: the seed's character codes folded into at most 256 bytes with a running smear.
    const key: number[] = [];
    let smear = 0;
    for (let n = 0; n < seed.length; n++) {
      const at = n & 255;
      // A key byte not yet set reads as nothing (seedrandom's undefined * 19 is NaN, which XORs as 0).
      if (key[at] !== undefined) smear ^= key[at]! * 19;
      key[at] = 255 & (smear + seed.charCodeAt(n));
    }
    if (key.length === 0) key.push(0);
    const s = this.s;
    for (let i = 0; i < 256; i++) s[i] = i;
    for (let i = 0, j = 0; i < 256; i++) {
      const t = s[i]!;
      j = (j + key[i % key.length]! + t) & 255;
      s[i] = s[j]!;
      s[j] = t;
    }
    // RC4-drop[256]: the first bytes of RC4 are biased.
    for (let n = 0; n < 256; n++) this.byte();
  }

  /** The next output byte. */
  private byte(): number {
    const s = this.s;
    const i = (this.i = (this.i + 1) & 255);
    const t = s[i]!;
    const j = (this.j = (this.j + t) & 255);
    const v = s[j]!;
    s[i] = v;
    s[j] = t;
    return s[(v + t) & 255]!;
  }

  /** Uniform in [0, 1) from 4 bytes, the first the most significant (seedrandom's quick()). */
  next(): number {
    // Operands are evaluated left to right: the first byte drawn is the most significant.
    return (this.byte() * 0x1000000 + this.byte() * 0x10000 + this.byte() * 0x100 + this.byte()) / 0x100000000;
  }
}
