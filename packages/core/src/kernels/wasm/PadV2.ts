import { type KernelConfig, PadV2, type PadV2Attrs, type TensorInfo } from '@tensorflow/tfjs-core';
import { copyBox } from './Slice.js';
import { runWasmKernel, type WasmBackend } from './wasm_kernel_util.js';

/** PadV2 on wasm for float32: x copied in run by run and the constant written between the runs (Slice.ts's copyBox), each element once. */
export function padV2Wasm(args: { inputs: { x: TensorInfo }; backend: WasmBackend; attrs: PadV2Attrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  if (x.dtype !== 'float32' || x.shape.some((d) => d === 0)) return runWasmKernel(backend, PadV2, inputs, attrs as unknown as Record<string, never>);
  const outShape = attrs.paddings.map(([before, after], i) => before + (x.shape[i] as number) + after);
  const out = backend.makeOutput(outShape, 'float32');
  const dst = backend.typedArrayFromHeap(out);
  const src = backend.typedArrayFromHeap(x);
  copyBox(
    dst,
    outShape,
    attrs.paddings.map(([before]) => before),
    x.shape,
    src,
    false,
    attrs.constantValue,
  );
  return out;
}

export const padV2WasmConfig: KernelConfig = {
  kernelName: PadV2,
  backendName: 'wasm',
  kernelFunc: padV2Wasm as unknown as KernelConfig['kernelFunc'],
};
