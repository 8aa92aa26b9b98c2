// Chooses and starts the tfjs backend (`--backend auto|gpu|wasm|cpu`) and installs the kernel and
// gradient fixes that training needs on cpu and wasm (see segment-sum-kernel.ts, matmul-grad.ts).
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../sim/core/index.ts';
import { registerMatMulGradient } from './matmul-grad.ts';
import { registerSegmentSumKernel } from './segment-sum-kernel.ts';
import type { BackendChoice } from '../options/index.ts';

export interface BackendInfo {
  /** The backend asked for. */
  requested: BackendChoice;
  /** The tfjs backend name that runs: 'tensorflow' (tfjs-node-gpu), 'wasm' or 'cpu'. */
  name: string;
  /** One line for logs, e.g. "wasm (SIMD, 1 thread)". */
  description: string;
  /** Why `auto` skipped the faster backends, when it did. */
  fallbacks: string[];
}

const GPU_PACKAGE = '@tensorflow/tfjs-node-gpu';

let current: BackendInfo | undefined;

/**
 * Starts the requested backend once per process and returns what runs. Asking again for the same
 * choice returns the same info; asking for a different one switches backends.
 */
export async function initBackend(requested: BackendChoice = 'auto'): Promise<BackendInfo> {
  if (current && current.requested === requested && tf.getBackend() === current.name) return current;
  tf.env().set('PROD', true); // silences the "install tfjs-node" banner
  registerMatMulGradient();
  const fallbacks: string[] = [];
  let info: BackendInfo | undefined;
  if (requested === 'gpu' || requested === 'auto') {
    try {
      info = await startGpu(requested);
    } catch (error) {
      const reason = (error as Error).message;
      if (requested === 'gpu') throw new UsageError(`--backend gpu: ${reason}`);
      fallbacks.push(`gpu: ${(error as { short?: string }).short ?? reason}`);
    }
  }
  if (!info && (requested === 'wasm' || requested === 'auto')) {
    try {
      info = await startWasm(requested);
    } catch (error) {
      if (requested === 'wasm') throw new UsageError(`--backend wasm: could not start: ${(error as Error).message}`);
      fallbacks.push(`wasm: ${(error as Error).message}`);
    }
  }
  if (!info) {
    await tf.setBackend('cpu');
    await tf.ready();
    info = { requested, name: 'cpu', description: 'cpu (pure JavaScript, slow)', fallbacks: [] };
  }
  info.fallbacks = fallbacks;
  installKernelFixes();
  current = info;
  return info;
}

/** The JS UnsortedSegmentSum for cpu and wasm (idempotent; the gpu backend has a native one). */
export function installKernelFixes(): void {
  registerSegmentSumKernel('cpu');
  registerSegmentSumKernel('wasm');
}

async function startGpu(requested: BackendChoice): Promise<BackendInfo> {
  let mod: unknown;
  try {
    const name = GPU_PACKAGE; // a variable, so the type checker does not need the optional package
    mod = await import(name);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw Object.assign(
        new Error(
          `${GPU_PACKAGE} is not installed (it is an optional dependency whose install downloads ` +
            'libtensorflow with CUDA); install it on a machine with an NVIDIA GPU and CUDA, or use --backend wasm',
        ),
        { short: `${GPU_PACKAGE} not installed` },
      );
    }
    throw new Error(`${GPU_PACKAGE} is installed but failed to load: ${(error as Error).message}`);
  }
  void mod;
  if (!(await tf.setBackend('tensorflow'))) throw new Error(`${GPU_PACKAGE} loaded but its backend did not start`);
  await tf.ready();
  return { requested, name: 'tensorflow', description: `gpu (${GPU_PACKAGE}, libtensorflow with CUDA)`, fallbacks: [] };
}

async function startWasm(requested: BackendChoice): Promise<BackendInfo> {
  await import('@tensorflow/tfjs-backend-wasm');
  // Node never gets wasm threads without patching tfjs internals, and measured here a 2-thread
  // build made the training step slower (feasibility notes, section 1.2): stay on one thread.
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not start');
  await tf.ready();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return { requested, name: 'wasm', description: `wasm (${simd ? 'SIMD' : 'no SIMD'}, 1 thread)`, fallbacks: [] };
}
