// Public surface of the backend folder.
// The choices of --backend (BACKEND_CHOICES, BackendChoice) are in model/options/.
export { initBackend, type BackendInfo } from './init-backend.ts';
export { registerSegmentSumKernel, unsortedSegmentSumValues } from './segment-sum-kernel.ts';
export { registerMatMulGradient, transposeLast2 } from './matmul-grad.ts';
