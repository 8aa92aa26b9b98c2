// One fixed colour per op kind, the same in every result and every view (timeline, legend, heat
// strip), so dispatch is always teal and combine always violet. The kinds are sim/core/op-kinds.ts's
// vocabulary; test/web/palette.test.ts checks every kind there has a colour here. No kind is red or
// pink: that is kept for exposed communication, which is drawn hatched so it never reads as an op.

/** @type {Record<string, string>} */
export const KIND_COLOURS = {
  // compute
  attention: '#4e79a7',
  'dense-ffn': '#59a14f',
  router: '#edc948',
  'shared-expert': '#9c755f',
  'expert-gemm': '#f28e2b',
  'lm-head': '#1e3a8a',
  'mtp-draft': '#93c5fd',
  optimizer: '#76b7b2',
  // communication
  dispatch: '#0f766e',
  combine: '#7c3aed',
  'all-reduce': '#b4b4b4',
  'grad-all-reduce': '#334155',
  'pp-send': '#a16207',
  'grad-reduce-scatter': '#6b7b3a',
  'param-all-gather': '#0ea5e9',
  'cp-all-gather': '#84cc16',
};

/** Communication running while the GPU computes nothing: crimson, hatched. */
export const EXPOSED_COLOUR = '#e11d48';

/** A kind this palette does not know yet (a newer epsim): grey, so it is visibly unassigned. */
export const UNKNOWN_COLOUR = '#a8a29e';

export function colourOf(kind) {
  return KIND_COLOURS[kind] ?? UNKNOWN_COLOUR;
}

/**
 * A repeating diagonal-stripe pattern (for a canvas 2D context): `stripe` lines over `base`
 * (transparent when null). Micro-batch 1 of TBO is hatched white over its kind's colour; exposed
 * communication is crimson stripes on white.
 */
export function stripes(ctx, base, stripe, gap = 4) {
  const tile = document.createElement('canvas');
  tile.width = tile.height = gap * 2;
  const t = tile.getContext('2d');
  if (base) {
    t.fillStyle = base;
    t.fillRect(0, 0, tile.width, tile.height);
  }
  t.strokeStyle = stripe;
  t.lineWidth = 1.5;
  t.beginPath();
  for (let i = -1; i <= 2; i++) {
    t.moveTo(i * gap - gap, tile.height);
    t.lineTo(i * gap + gap, 0);
  }
  t.stroke();
  return ctx.createPattern(tile, 'repeat');
}
