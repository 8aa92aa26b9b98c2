// Picks the network backend a run asked for.
import type { BackendContext, NetworkBackend, NetworkModel } from './backend.ts';
import { createFlowBackend } from './flow-backend.ts';

export function createNetworkBackend(model: NetworkModel, ctx: BackendContext): NetworkBackend {
  switch (model) {
    case 'flow':
      return createFlowBackend(ctx);
    case 'fluid':
      return createFlowBackend(ctx); // TEMPORARY until the fluid backend lands
  }
}
