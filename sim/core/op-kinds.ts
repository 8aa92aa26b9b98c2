// The op kinds schedules emit: one vocabulary for the timeline, the metrics and the dashboard.

export const COMPUTE_KINDS = ['attention', 'dense-ffn', 'router', 'shared-expert', 'expert-gemm', 'lm-head', 'mtp-draft', 'optimizer'] as const;
/**
 * pp-send: activations (or their gradients) between pipeline stages; grad-reduce-scatter and
 * param-all-gather: ZeRO-1 data-parallel gradient and parameter sync; cp-all-gather: context-parallel
 * K/V exchange (its backward is a reduce-scatter of their gradients).
 */
export const COMM_KINDS = ['dispatch', 'combine', 'all-reduce', 'grad-all-reduce', 'pp-send', 'grad-reduce-scatter', 'param-all-gather', 'cp-all-gather'] as const;
export const OP_KINDS = [...COMPUTE_KINDS, ...COMM_KINDS] as const;

export type ComputeKind = (typeof COMPUTE_KINDS)[number];
export type CommKind = (typeof COMM_KINDS)[number];
export type OpKind = (typeof OP_KINDS)[number];

const commKinds = new Set<string>(COMM_KINDS);

export function isCommKind(kind: string): boolean {
  return commKinds.has(kind);
}

/** Stream names: compute work, expert-parallel communication, tensor/data/context-parallel collectives, pipeline sends. */
export const STREAMS = { compute: 'compute', comm: 'comm', tp: 'tp-comm', dp: 'dp-comm', cp: 'cp-comm', pp: 'pp-comm' } as const;
