import { type KernelConfig, ResizeNearestNeighbor, type ResizeNearestNeighborAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import { simdLoopsFor } from './simd_loops.js';
import { runWasmKernel, type WasmBackend } from './wasm_kernel_util.js';

/**
 * ResizeNearestNeighbor by exactly 2 without aligned corners (the architectures' nearest upsampling): each pixel copied
 * to its 2×2 block in one SIMD pass per image (simd_loops.ts). For a factor of 2 the source of output row y is ⌊y/2⌋
 * with or without half-pixel centers (⌊(y + ½)/2⌋ is the same). Other resizes go to the shipped kernel.
 */
export function resizeNearestNeighborWasm(args: { inputs: { images: TensorInfo }; backend: WasmBackend; attrs: ResizeNearestNeighborAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { images } = inputs;
  const [n, h, w, c] = images.shape as [number, number, number, number];
  const [outH, outW] = attrs.size;
  const loops = simdLoopsFor(backend);
  const doubling = outH === 2 * h && outW === 2 * w && !attrs.alignCorners && c % 4 === 0 && n * h * w > 0;
  if (loops === null || !doubling || images.dtype !== 'float32') {
    return runWasmKernel(backend, ResizeNearestNeighbor, inputs, attrs as unknown as Record<string, never>);
  }
  const out = backend.makeOutput([n, outH, outW, c], 'float32');
  // addresses after the allocation, which may grow the heap
  const [src, dst] = [backend.typedArrayFromHeap(images).byteOffset, backend.typedArrayFromHeap(out).byteOffset];
  for (let b = 0; b < n; b++) loops.spread2x2(src + 4 * b * h * w * c, dst + 4 * b * outH * outW * c, h, w, c / 4, 1);
  return out;
}

export const resizeNearestNeighborWasmConfig: KernelConfig = {
  kernelName: ResizeNearestNeighbor,
  backendName: 'wasm',
  kernelFunc: resizeNearestNeighborWasm as unknown as KernelConfig['kernelFunc'],
};
