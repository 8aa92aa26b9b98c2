// Public surface of the backend folder.
export { BACKEND_CHOICES, initBackend, isBackendChoice, type BackendChoice, type BackendInfo } from './init-backend.ts';
export { registerSegmentSumKernel, unsortedSegmentSumValues } from './segment-sum-kernel.ts';
export { registerMatMulGradient, transposeLast2 } from './matmul-grad.ts';
