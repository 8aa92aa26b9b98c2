// The op kinds schedules emit: one vocabulary for the timeline, the metrics and the dashboard.

export const COMPUTE_KINDS = ['attention', 'dense-ffn', 'router', 'shared-expert', 'expert-gemm', 'lm-head', 'mtp-draft'] as const;
export const COMM_KINDS = ['dispatch', 'combine', 'all-reduce', 'grad-all-reduce'] as const;
export const OP_KINDS = [...COMPUTE_KINDS, ...COMM_KINDS] as const;

export type ComputeKind = (typeof COMPUTE_KINDS)[number];
export type CommKind = (typeof COMM_KINDS)[number];
export type OpKind = (typeof OP_KINDS)[number];

const commKinds = new Set<string>(COMM_KINDS);

export function isCommKind(kind: string): boolean {
  return commKinds.has(kind);
}

/** Stream names: compute work, expert-parallel communication, and tensor/data-parallel collectives. */
export const STREAMS = { compute: 'compute', comm: 'comm', tp: 'tp-comm', dp: 'dp-comm' } as const;
