import { AvgPool, type AvgPoolAttrs, backend_util, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { simdLoopsFor } from './simd_loops.js';
import { runWasmKernel, type WasmBackend } from './wasm_kernel_util.js';

/**
 * AvgPool of the 2×2 windows without padding the architectures use (StyleGAN2's box filters at stride 1, the 2×
 * downsampling at stride 2) as one SIMD pass per image (simd_loops.ts), summed in XNNPACK's order so the values are
 * the shipped kernel's. Other pools, and a window over the whole image: the shipped kernel.
 */
export function avgPoolWasm(args: { inputs: { x: TensorInfo }; backend: WasmBackend; attrs: AvgPoolAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const loops = simdLoopsFor(backend);
  const info = backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const { top, left, bottom, right } = info.padInfo;
  const direct =
    loops !== null &&
    x.dtype === 'float32' &&
    info.filterHeight === 2 &&
    info.filterWidth === 2 &&
    top + left + bottom + right === 0 &&
    c % 4 === 0 &&
    n > 0 &&
    // one window over the whole image: XNNPACK sums it as a global pool, in another order
    oh * ow > 1;
  if (!direct) return runWasmKernel(backend, AvgPool, inputs, attrs as unknown as Record<string, never>);
  const out = backend.makeOutput([n, oh, ow, c], 'float32');
  // addresses after the allocation, which may grow the heap
  const src = backend.typedArrayFromHeap(x).byteOffset;
  const dst = backend.typedArrayFromHeap(out).byteOffset;
  const pixel = 4 * c;
  for (let b = 0; b < n; b++) loops.avgPool2x2(src + b * h * w * pixel, dst + b * oh * ow * pixel, oh, ow, c / 4, w * pixel, pixel, sh * w * pixel, sw * pixel);
  return out;
}

export const avgPoolWasmConfig: KernelConfig = {
  kernelName: AvgPool,
  backendName: 'wasm',
  kernelFunc: avgPoolWasm as unknown as KernelConfig['kernelFunc'],
};
