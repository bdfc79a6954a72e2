import { backend_util, Conv2D, type Conv2DAttrs, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { conv2DGemm, conv2DGemmApplies } from './conv_gemm.js';
import { sgemmFor } from './sgemm.js';
import { runWasmKernel, type WasmBackend } from './wasm_kernel_util.js';

/** Conv2D on the project's tile (conv_gemm.ts) where it applies, on XNNPACK otherwise. */
export function conv2DWasm(args: { inputs: { x: TensorInfo; filter: TensorInfo }; backend: WasmBackend; attrs: Conv2DAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, filter } = inputs;
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs;
  const gemm = sgemmFor(backend);
  if (gemm !== null && backend_util.convertConv2DDataFormat(dataFormat) === 'channelsLast') {
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      strides,
      dilations,
      pad,
      dimRoundingMode,
    );
    if (conv2DGemmApplies(info)) return conv2DGemm(backend, gemm, x, filter, info);
  }
  return runWasmKernel(backend, Conv2D, inputs, attrs as unknown as Record<string, never>);
}

export const conv2DWasmConfig: KernelConfig = {
  kernelName: Conv2D,
  backendName: 'wasm',
  kernelFunc: conv2DWasm as unknown as KernelConfig['kernelFunc'],
};
