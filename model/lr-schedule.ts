// Learning rate: linear warm-up to the peak, then cosine decay to minLrFraction x peak at the last step.
export function learningRateAt(step: number, totalSteps: number, peak: number, warmupSteps: number, minLrFraction: number): number {
  if (warmupSteps > 0 && step < warmupSteps) return (peak * (step + 1)) / warmupSteps;
  const span = Math.max(1, totalSteps - warmupSteps);
  const progress = Math.min(1, Math.max(0, (step - warmupSteps) / span));
  const floor = peak * minLrFraction;
  return floor + (peak - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
