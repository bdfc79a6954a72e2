import { type GradConfig, getGradient, getKernel, type KernelConfig, registerGradient, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import { leakyReluGradCpuConfig } from '../kernels/cpu/LeakyReluGrad.js';
import { resizeNearestNeighborGradCpuConfig } from '../kernels/cpu/ResizeNearestNeighborGrad.js';
import { addWasmConfig } from '../kernels/wasm/Add.js';
import { avgPoolWasmConfig } from '../kernels/wasm/AvgPool.js';
import { avgPoolGradWasmConfig } from '../kernels/wasm/AvgPoolGrad.js';
import { batchMatMulWasmConfig } from '../kernels/wasm/BatchMatMul.js';
import { castWasmConfig } from '../kernels/wasm/Cast.js';
import { conv2DWasmConfig } from '../kernels/wasm/Conv2D.js';
import { conv2DBackpropFilterWasmConfig } from '../kernels/wasm/Conv2DBackpropFilter.js';
import { conv2DBackpropInputWasmConfig } from '../kernels/wasm/Conv2DBackpropInput.js';
import { identityWasmConfig } from '../kernels/wasm/Identity.js';
import { leakyReluGradWasmConfig, leakyReluWasmConfig } from '../kernels/wasm/LeakyRelu.js';
import { multiplyWasmConfig } from '../kernels/wasm/Multiply.js';
import { padV2WasmConfig } from '../kernels/wasm/PadV2.js';
import { resizeNearestNeighborWasmConfig } from '../kernels/wasm/ResizeNearestNeighbor.js';
import { resizeNearestNeighborGradWasmConfig } from '../kernels/wasm/ResizeNearestNeighborGrad.js';
import { meanWasmConfig, sumWasmConfig } from '../kernels/wasm/reduce_leading_axes.js';
import { sliceWasmConfig } from '../kernels/wasm/Slice.js';
import { tileWasmConfig } from '../kernels/wasm/Tile.js';
import { rememberShippedKernel } from '../kernels/wasm/wasm_kernel_util.js';
import { addNWebgpuConfig, rememberShippedAddN } from '../kernels/webgpu/AddN.js';
import { avgPoolGradGradConfig } from './AvgPoolGrad_grad.js';
import { conv2DBackpropFilterGradConfig } from './Conv2DBackpropFilter_grad.js';
import { comparisonGradConfigs } from './comparison_grads.js';
import { leakyReluGradConfig, leakyReluGradGradConfig } from './LeakyRelu_grad.js';
import { resizeBilinearGradGradConfig } from './ResizeBilinearGrad_grad.js';
import { resizeNearestNeighborGradGradConfig } from './ResizeNearestNeighborGrad_grad.js';
import { reductionGradConfigs } from './reduction_grads.js';
import { savedOutputGradConfigs } from './savedOutput_grads.js';

/** Gradients tfjs-core lacks that double backprop (WGAN-GP, R1, R2) needs through the project's layers. */
export const PROJECT_GRADIENTS: readonly GradConfig[] = [
  ...comparisonGradConfigs,
  avgPoolGradGradConfig,
  resizeNearestNeighborGradGradConfig,
  resizeBilinearGradGradConfig,
  conv2DBackpropFilterGradConfig,
  leakyReluGradGradConfig,
];

/**
 * Kernels tfjs-backend-wasm lacks (Conv2DBackpropFilter), ships as a naive loop (Conv2DBackpropInput),
 * runs slower than the project's GEMM tile (Conv2D) or a direct loop (AvgPoolGrad over tiling windows,
 * ResizeNearestNeighbor by 2 and its gradient by whole factors, Slice and PadV2 as runs of copies in place, a channel
 * bias Add, LeakyRelu and its gradient, 2×2 AvgPool as one SIMD pass),
 * runs off XNNPACK for the shapes training makes (transposed BatchMatMul, Sum and Mean over leading axes),
 * or copies where sharing is enough (Identity, Cast to the same dtype).
 */
export const PROJECT_WASM_KERNELS: readonly KernelConfig[] = [
  conv2DWasmConfig,
  conv2DBackpropFilterWasmConfig,
  conv2DBackpropInputWasmConfig,
  batchMatMulWasmConfig,
  avgPoolGradWasmConfig,
  resizeNearestNeighborWasmConfig,
  resizeNearestNeighborGradWasmConfig,
  sliceWasmConfig,
  padV2WasmConfig,
  sumWasmConfig,
  meanWasmConfig,
  identityWasmConfig,
  castWasmConfig,
  addWasmConfig,
  multiplyWasmConfig,
  tileWasmConfig,
  avgPoolWasmConfig,
  leakyReluWasmConfig,
  leakyReluGradWasmConfig,
];

/**
 * tfjs-core gradients replaced: those that cannot be differentiated again (they read a saved output), LeakyRelu's,
 * one kernel where the backend has it, and Sum's, Mean's and Tile's, a broadcast or one reduction.
 */
export const PROJECT_GRADIENT_OVERRIDES: readonly GradConfig[] = [...savedOutputGradConfigs, leakyReluGradConfig, ...reductionGradConfigs];

/** Idempotent: registers the project's gradients (never replacing one tfjs-core already has) and its overrides. */
export function registerProjectGradients(): void {
  for (const config of PROJECT_GRADIENTS) {
    if (getGradient(config.kernelName) === undefined) registerGradient(config);
  }
  for (const config of PROJECT_GRADIENT_OVERRIDES) {
    if (getGradient(config.kernelName)?.gradFunc !== config.gradFunc) registerGradient(config);
  }
}

/** Kernels tfjs-backend-cpu gets wrong (ResizeNearestNeighborGrad for batch > 1) or lacks (the project's LeakyRelu gradient). */
export const PROJECT_CPU_KERNELS: readonly KernelConfig[] = [resizeNearestNeighborGradCpuConfig, leakyReluGradCpuConfig];

/** Kernels tfjs-backend-webgpu gets wrong: AddN of more tensors than a shader can bind. */
export const PROJECT_WEBGPU_KERNELS: readonly KernelConfig[] = [addNWebgpuConfig];

/** Idempotent: installs the project's kernels for a backend over the ones it ships (webgpu: once tfjs-backend-webgpu is loaded). */
export function registerProjectKernels(backendName: 'wasm' | 'cpu' | 'webgpu'): void {
  const configs = backendName === 'wasm' ? PROJECT_WASM_KERNELS : backendName === 'webgpu' ? PROJECT_WEBGPU_KERNELS : PROJECT_CPU_KERNELS;
  for (const config of configs) {
    const current = getKernel(config.kernelName, backendName);
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current !== undefined) {
      if (backendName === 'wasm') rememberShippedKernel(current);
      if (backendName === 'webgpu') rememberShippedAddN(current);
      unregisterKernel(config.kernelName, backendName);
    }
    // A replacement that falls back on the shipped kernel needs the shipped setup (the wasm function binding).
    registerKernel(config.setupFunc === undefined && current?.setupFunc !== undefined ? { ...config, setupFunc: current.setupFunc } : config);
  }
}
