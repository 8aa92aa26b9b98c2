// Task vectors: tau_i = theta_i - theta_base for one tensor, and the way back, theta = theta_base +
// delta. Pure, over Float32Arrays (the differences are formed in float64, then stored as float32).

function sameLength(a: Float32Array, b: Float32Array, what: string): void {
  if (a.length !== b.length) throw new Error(`${what}: lengths differ (${a.length} vs ${b.length})`);
}

/** tau = theta - base, entry by entry. */
export function taskVector(theta: Float32Array, base: Float32Array): Float32Array {
  sameLength(theta, base, 'taskVector');
  const out = new Float32Array(theta.length);
  for (let j = 0; j < theta.length; j++) out[j] = theta[j] - base[j];
  return out;
}

/** theta = base + delta, entry by entry. */
export function applyTaskVector(base: Float32Array, delta: Float32Array): Float32Array {
  sameLength(base, delta, 'applyTaskVector');
  const out = new Float32Array(base.length);
  for (let j = 0; j < base.length; j++) out[j] = base[j] + delta[j];
  return out;
}

/** L2 norm, accumulated in float64. */
export function l2Norm(v: Float32Array): number {
  let s = 0;
  for (let j = 0; j < v.length; j++) s += v[j] * v[j];
  return Math.sqrt(s);
}
