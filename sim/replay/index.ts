// Trace replay: routing sources (trace, fitted, uniform), expert placement and per-layer traffic.
export type { RoutingSource } from './routing-source.ts';
export type { ExpertPlacement, LayerTraffic } from './traffic.ts';
export type { SimulatedMoeShape } from './shape.ts';
export { describeShape, shapeOfTrace } from './shape.ts';
export { traceRoutingSource, TraceModelMismatchError } from './trace-source.ts';
export type { TraceMapping, TraceSourceOptions } from './trace-source.ts';
export { fitRoutingTrace, fittedRoutingSource } from './fitted-source.ts';
export type { FittedRoutingSource, FittedSourceOptions, LayerFit, RoutingFit } from './fitted-source.ts';
export { uniformRoutingSource } from './uniform-source.ts';
export type { UniformSourceOptions } from './uniform-source.ts';
export { sampleStepTokens } from './sample-step.ts';
export { contiguousPlacement, expertLoadFromSource, layerPlacements, loadAwarePlacement, rankLoadOf, expertSlotsProblem, redundantSlotsProblem } from './placement.ts';
export type { LayerPlacementsOptions } from './placement.ts';
export { buildLayerTraffic, createTrafficScratch } from './build-traffic.ts';
export type { BuildLayerTrafficInput, TrafficScratch } from './build-traffic.ts';
export { randomRoutingSource } from './random-source.ts';
