// The `fluid` network backend (the default). It works on aggregates, not flows: all the bytes one
// collective puts on one link form one aggregate (aggregate.ts), served at a share of the link;
// the engine sees events per collective part and per aggregate, never per transfer.
// docs/network-models.md gives the equations and where the model is exact. In short:
//
// - Link l (capacity C) is divided among its active aggregates in proportion to their transfer
//   counts w: aggregate a is served at r_a = C x w_a / sum(w) bytes/ns. An aggregate is active from
//   its first transfer's start until it has served every byte its collective puts on the link.
// - Inside an aggregate its transfers share its service equally (processor sharing, each from its
//   own start; aggregate.ts): for transfers started together, transfer f of s_f bytes has left the
//   link when the aggregate has served W(f) = sum over started transfers q of min(s_q, s_f). Never
//   sooner than s_f at the route's slowest link rate after it started.
// - A transfer has left the network when it has left every link of its route, and arrives its
//   route's latency later. A part is done when every transfer it sends or receives has arrived.
//
// Each collective runs in a runner: fluid-direct.ts for direct all-to-alls of token counts (the
// traffic matrix itself, no per-transfer records), fluid-transfers.ts for everything else. A part
// is projected once every transfer it is involved in has started, and checked at its projected
// time: a projection can only be early (a later start or a lower rate delays it), except when an
// aggregate's rate rises, and then the parts it decided are re-projected at once (fluid-core.ts).
import type { BackendContext, NetworkBackend } from './backend.ts';
import { ShapeCache } from './direct-shape.ts';
import { DirectRun, type DirectSinks } from './fluid-direct.ts';
import { FluidCore, NORMAL, type FluidRun } from './fluid-core.ts';
import { TransfersRun } from './fluid-transfers.ts';
import type { TrafficMatrix } from './collective-op.ts';

export function createFluidBackend(ctx: BackendContext): NetworkBackend {
  const { engine, cluster, collectives, events } = ctx;
  const core = new FluidCore(engine, cluster.linkCapacityBytesPerNs);
  // A combine's matrix is its dispatch's, transposed: the direct runner's set-up is shared.
  const shapes = new ShapeCache();
  const bytesSent = new Float64Array(cluster.gpus);
  const bytesReceived = new Float64Array(cluster.gpus);
  const linkBytes = new Float64Array(cluster.linkCapacityBytesPerNs.length);
  let transfersStarted = 0;

  const runs: (FluidRun | undefined)[] = new Array(collectives.length);
  const partBase = new Int32Array(collectives.length + 1);
  collectives.forEach((c, i) => (partBase[i + 1] = partBase[i]! + c.gpus.length));
  const parts = partBase[collectives.length]!;
  const partCollective = new Int32Array(parts);
  collectives.forEach((_, c) => partCollective.fill(c, partBase[c]!, partBase[c + 1]!));
  const partStarted = new Uint8Array(parts);
  const partDone = new Uint8Array(parts);
  /** A pending check's time (-1: none), and its run's version when it was projected. */
  const partCheckAt = new Float64Array(parts).fill(-1);
  const partVersion = new Float64Array(parts).fill(-1);
  const partsLeft = Int32Array.from(collectives, (c) => c.gpus.length);
  const bytesOfParts: Float64Array[] = new Array(collectives.length);

  const start = (c: number): FluidRun => {
    const spec = collectives[c]!;
    const sinks: DirectSinks = {
      bytesSent,
      bytesReceived,
      linkBytes,
      ready(rank) {
        const p = partBase[c]! + rank;
        if (partStarted[p]) core.deferPart(p);
      },
      counted(n) {
        transfersStarted += n;
      },
    };
    const a = spec.algorithm;
    // A low-latency exchange over NVLink inside nodes has a direct all-to-all's routes.
    const direct = a.kind === 'direct-all-to-all' || (a.kind === 'low-latency-all-to-all' && a.intraNode === 'nvlink');
    const run =
      (direct ? DirectRun.open(core, cluster.topology, cluster, spec.gpus, (a as { matrix: TrafficMatrix }).matrix, sinks, shapes) : undefined) ??
      new TransfersRun(core, cluster.topology, cluster, spec.gpus, a, sinks, spec.name);
    const bytes = new Float64Array(spec.gpus.length);
    for (let r = 0; r < bytes.length; r++) bytes[r] = run.partBytes(r);
    bytesOfParts[c] = bytes;
    runs[c] = run;
    return run;
  };

  /** Projects when part p's last transfer arrives; finishes it if that is now, else checks it then. */
  core.checkPart = (p: number) => {
    if (partDone[p]) return;
    const c = partCollective[p]!;
    const run = runs[c]!;
    const rank = p - partBase[c]!;
    const now = engine.now;
    const at = Math.ceil(run.project(rank) - 1e-9);
    if (at <= now) return finish(c, p, rank);
    partVersion[p] = run.version;
    core.critical?.watch(p);
    if (partCheckAt[p] === at) return;
    partCheckAt[p] = at;
    engine.at(at, onCheck, NORMAL, p);
  };

  const onCheck = (p: number) => {
    if (partCheckAt[p] !== engine.now) return;
    partCheckAt[p] = -1;
    // Nothing the projection read has changed since: it was exact, and its time is now.
    const c = partCollective[p]!;
    if (runs[c]!.version === partVersion[p]) return finish(c, p, p - partBase[c]!);
    core.checkPart(p);
  };

  const finish = (c: number, p: number, rank: number) => {
    partDone[p] = 1;
    partCheckAt[p] = -1;
    events.partDone(c, rank);
    if (--partsLeft[c]! === 0) runs[c] = undefined;
  };

  return {
    startPart(c, rank) {
      const run = runs[c] ?? start(c);
      const p = partBase[c]! + rank;
      partStarted[p] = 1;
      run.startPart(rank);
      if (run.unstarted(rank) === 0 && !partDone[p]) {
        core.deferPart(p);
      }
    },
    partBytes: (c, rank) => bytesOfParts[c]?.[rank] ?? 0,
    pendingTransfers(c, rank) {
      const run = runs[c];
      return run ? run.unstarted(rank) : 0;
    },
    linkBytes,
    bytesSent,
    bytesReceived,
    get stats() {
      return { flowsStarted: transfersStarted, rateSolves: core.rateChanges };
    },
  };
}
