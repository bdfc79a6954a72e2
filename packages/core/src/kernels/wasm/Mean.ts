import { type KernelConfig, Mean, type MeanAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import { leadingAxesCount, reduceLeadingAxes } from './reduce_leading_axes.js';
import { runWasmKernel, type WasmBackend } from './wasm_kernel_util.js';

/** Mean over leading axes through reduceLeadingAxes; every other reduction goes to the kernel tfjs ships. */
export function meanWasm(args: { inputs: { x: TensorInfo }; backend: WasmBackend; attrs: MeanAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const k = x.dtype === 'float32' ? leadingAxesCount(attrs.axis, x.shape) : null;
  if (k === null) return runWasmKernel(backend, Mean, inputs, { ...attrs });
  return reduceLeadingAxes(backend, x, k, attrs.keepDims, 1);
}

export const meanWasmConfig: KernelConfig = {
  kernelName: Mean,
  backendName: 'wasm',
  kernelFunc: meanWasm as unknown as KernelConfig['kernelFunc'],
};
