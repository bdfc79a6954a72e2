/** @ganbench/core — the tensor layer. Every package gets TensorFlow.js from here, so all share one engine. */
export * as tf from '@tensorflow/tfjs-core';
/** The TensorFlow.js namespace as a value: what plugins receive, so they need no runtime imports. */
export type TensorOps = typeof import('@tensorflow/tfjs-core');
export {
  BACKEND_NAMES,
  type BackendInfo,
  type BackendName,
  backendInfo,
  DEFAULT_BACKEND,
  type InitOptions,
  initBackend,
  installedVersion,
  isBackendName,
  OPTIONAL_BACKEND_PACKAGES,
  resolveBackendName,
  resolveThreads,
} from './backend.js';
export type { CarriedObservation, CarriedState, CarriedValues } from './carried.js';
export {
  PROJECT_CPU_KERNELS,
  PROJECT_GRADIENTS,
  PROJECT_WASM_KERNELS,
  PROJECT_WEBGPU_KERNELS,
  registerProjectGradients,
  registerProjectKernels,
} from './gradients/register.js';
export * from './layers/index.js';
export { logSigmoid } from './ops/logSigmoid.js';
export { stopGradient } from './ops/stopGradient.js';
export { ADAM_UPDATE, adamUpdate, FusedAdamOptimizer, fusedAdam } from './optimizers/fusedAdam.js';
export {
  describeOption,
  type OptionSpec,
  type OptionSpecs,
  type OptionValue,
  type OptionValues,
  resolveOptions,
} from './options.js';
export {
  decodeSafetensors,
  encodeSafetensors,
  type NamedArray,
  type ParamOptions,
  ParamStore,
} from './params.js';
export { Rng, type RngState } from './rng.js';
export { MAX_WASM_THREADS } from './wasmThreads.js';
export { checkWebGpuGpus, WEBGPU_GPU_ENV } from './webgpu.js';
