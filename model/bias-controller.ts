// LongCat's budget controller (no auxiliary loss): after each step every FFN expert's selection
// bias moves toward the share that gives K_e FFN experts per token on average,
//   b_i <- b_i + mu * (K_e / (K * N) - T_i / (K * T_all))      for FFN experts i < N,
// with T_i the tokens routed to expert i in the batch and T_all the tokens in the batch (so
// K * T_all is every routed slot). Zero experts' biases stay fixed. An overloaded expert's bias
// drops; when FFN experts as a whole are picked too often, all their biases drop together.
// Where the bias is added (ModelConfig.routerBiasSpace): by default to the router logits, not
// to the softmax probabilities as LongCat's released code does. Reason: a logit shift moves the
// choice by the same amount however sharp the router has become, so one mu works through a run
// (on probabilities the needed bias grows with the probabilities). Measured on longcat-shape,
// 150 steps: probabilities with mu = 0.05 drifted to 9.3 FFN experts/token (target 8); logits
// with mu = 40 ended at 8.6, with mu = 150 at 8.3-8.4, and at 8.0 when the learning rate is 0
// (the rest is the router's own drift, which the controller trails).
// mu is in the formula's units, so it scales with K * N: tiny uses 6, longcat-shape 150.
// Pure function, no tfjs.

export interface BiasControllerShape {
  ffnExperts: number;
  topK: number;
  targetFfnPerToken: number;
}

/** Returns the updated biases (a new array); `loads[i]` = T_i for every expert (FFN then zero). */
export function updateBiases(
  biases: Float32Array,
  loads: ArrayLike<number>,
  tokens: number,
  s: BiasControllerShape,
  mu: number,
): Float32Array {
  const next = Float32Array.from(biases);
  if (tokens <= 0) return next;
  const target = s.targetFfnPerToken / (s.topK * s.ffnExperts);
  for (let i = 0; i < s.ffnExperts; i++) next[i] = biases[i] + mu * (target - loads[i] / (s.topK * tokens));
  return next;
}

/** Tokens routed to each expert (T_i), from a [token][k] list of expert ids. */
export function expertLoads(experts: ArrayLike<number>, nExperts: number): Int32Array {
  const loads = new Int32Array(nExperts);
  for (let i = 0; i < experts.length; i++) loads[experts[i]]++;
  return loads;
}
