// How one EP exchange moves its bytes, as a pure function of the kernel form, the group and its
// traffic (docs/ep-kernels.md). Forward (dispatch direction) bytes[s][d] = count s sends d x bytes
// per token; the return direction reads the transpose. A group inside one node has no second hop.
import type { AllToAllForm, IntraNodePath } from '../hardware/index.ts';
import type { CollectiveAlgorithm } from '../network/index.ts';
import { deepEpNormalPieceBytes } from '../network/index.ts';
import type { LayerTraffic } from '../replay/index.ts';

/**
 * `two-hop` forwards in pieces of about this size (at most 8 pieces per transfer) so the NVLink
 * hop overlaps the RDMA hop; `deepep-normal` sizes its pieces from DeepEP's launch configuration.
 * Both cap a transfer at 8 pieces: the pipeline's fill is then at most 1/8 of the faster hop.
 */
export const TWO_HOP_CHUNK_BYTES = 256 * 1024;
export const TWO_HOP_MAX_CHUNKS = 8;

export interface ExchangeChoice {
  form: AllToAllForm;
  intraNode: IntraNodePath;
  /** SMs the normal kernels run on (their channel count is half of it). */
  commSms: number;
  gpusPerNode: number;
}

export function exchangeAlgorithm(
  choice: ExchangeChoice,
  gpus: readonly number[],
  t: LayerTraffic,
  bytesPerToken: number,
  toSender: boolean,
  direction: 'dispatch' | 'combine',
): CollectiveAlgorithm {
  const { form } = choice;
  if (form === 'deepep-ll') {
    // One message per (token, selected expert), every pair direct.
    const picks = { n: t.ep, counts: t.picksToRank, scale: bytesPerToken, transposed: toSender };
    return { kind: 'low-latency-all-to-all', matrix: picks, intraNode: choice.intraNode };
  }
  // Normal kernels: a token crosses to a destination GPU once however many of its experts are there.
  const matrix = { n: t.ep, counts: t.tokensToRank, scale: bytesPerToken, transposed: toSender };
  if (form === 'direct' || t.nodesInGroup <= 1) return { kind: 'direct-all-to-all', matrix };
  const firstNode = Math.floor(gpus[0]! / choice.gpusPerNode);
  const pieceBytes = form === 'deepep-normal' ? deepEpNormalPieceBytes(direction, t.ep, choice.commSms, bytesPerToken) : TWO_HOP_CHUNK_BYTES;
  return {
    kind: 'two-hop-all-to-all',
    matrix,
    // ... and a node once, however many of its GPUs the token needs (forwarded over NVLink there).
    rdma: { nodes: t.nodesInGroup, firstNode, counts: t.tokensToNode, scale: bytesPerToken },
    gather: toSender,
    pieceBytes,
    maxPieces: TWO_HOP_MAX_CHUNKS,
  };
}
