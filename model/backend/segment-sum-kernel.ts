// A plain-JS UnsortedSegmentSum kernel for the cpu and wasm backends. wasm has none (so tf.gather
// has no gradient there) and cpu's is O(numSegments * size); this one is O(size).
import * as tf from '@tensorflow/tfjs';

interface WritableBackend {
  readSync(dataId: object): ArrayLike<number>;
  write(values: Float32Array | Int32Array, shape: number[], dtype: tf.DataType): object;
}

/** out[s, ...] = sum of x[i, ...] over i with segmentIds[i] = s; ids outside [0, numSegments) are dropped (TF semantics). */
export function unsortedSegmentSumValues(
  x: ArrayLike<number>,
  xShape: readonly number[],
  segmentIds: ArrayLike<number>,
  numSegments: number,
  dtype: 'float32' | 'int32',
): { values: Float32Array | Int32Array; shape: number[] } {
  const outer = segmentIds.length;
  const innerShape = xShape.slice(inferIdsRank(xShape, outer));
  const inner = innerShape.reduce((a, b) => a * b, 1);
  const out = dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
  for (let i = 0; i < outer; i++) {
    const s = segmentIds[i];
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) out[dst + j] += x[src + j];
  }
  return { values: out, shape: [numSegments, ...innerShape] };
}

/** The number of leading x dimensions that segmentIds covers (its rank), from its element count. */
function inferIdsRank(xShape: readonly number[], idsSize: number): number {
  let size = 1;
  for (let r = 0; r <= xShape.length; r++) {
    if (size === idsSize) return r;
    size *= xShape[r] ?? 1;
  }
  throw new Error(`UnsortedSegmentSum: segmentIds size ${idsSize} does not match a prefix of x shape [${xShape}]`);
}

const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = attrs as unknown as { numSegments: number };
  const b = backend as unknown as WritableBackend;
  const dtype = x.dtype === 'int32' ? 'int32' : 'float32';
  const { values, shape } = unsortedSegmentSumValues(
    b.readSync(x.dataId),
    x.shape,
    b.readSync(segmentIds.dataId),
    numSegments,
    dtype,
  );
  return { dataId: b.write(values, shape, dtype), shape, dtype };
};

/** Registers (or replaces) UnsortedSegmentSum for one backend (idempotent). */
export function registerSegmentSumKernel(backendName: string): void {
  const existing = tf.getKernel('UnsortedSegmentSum', backendName);
  if (existing?.kernelFunc === kernelFunc) return;
  if (existing) tf.unregisterKernel('UnsortedSegmentSum', backendName);
  tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName, kernelFunc });
}
