import { type KernelConfig, Sum, type SumAttrs, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { leadingAxesCount, reduceLeadingAxes } from './reduce_leading_axes.js';
import { runWasmKernel, type WasmBackend } from './wasm_kernel_util.js';

/** Sum over leading axes through reduceLeadingAxes; every other reduction goes to the kernel tfjs ships. */
export function sumWasm(args: { inputs: { x: TensorInfo }; backend: WasmBackend; attrs: SumAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const k = x.dtype === 'float32' ? leadingAxesCount(attrs.axis, x.shape) : null;
  if (k === null) return runWasmKernel(backend, Sum, inputs, { ...attrs });
  return reduceLeadingAxes(backend, x, k, attrs.keepDims, util.sizeFromShape(x.shape.slice(0, k)));
}

export const sumWasmConfig: KernelConfig = {
  kernelName: Sum,
  backendName: 'wasm',
  kernelFunc: sumWasm as unknown as KernelConfig['kernelFunc'],
};
