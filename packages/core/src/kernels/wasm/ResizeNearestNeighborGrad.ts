import { type KernelConfig, ResizeNearestNeighborGrad, type ResizeNearestNeighborGradAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import { addNearestNeighborGrad } from '../cpu/ResizeNearestNeighborGrad.js';
import { simdLoopsFor } from './simd_loops.js';
import { runWasmKernel, type WasmBackend } from './wasm_kernel_util.js';

/**
 * ResizeNearestNeighborGrad for whole-number upsampling without aligned corners (the architectures' nearest
 * upsampling): the cpu kernel's scatter (its source map is then ⌊y/k⌋, ⌊x/l⌋) on the tensors in place; by 2 over
 * whole vectors of channels, the same sums in the same order as one SIMD pass per image (simd_loops.ts).
 * Other resizes go to the shipped kernel.
 */
export function resizeNearestNeighborGradWasm(args: {
  inputs: { images: TensorInfo; dy: TensorInfo };
  backend: WasmBackend;
  attrs: ResizeNearestNeighborGradAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const shape = inputs.images.shape as [number, number, number, number];
  const [, outH, outW] = inputs.dy.shape as [number, number, number, number];
  if (attrs.alignCorners || outH % shape[1] !== 0 || outW % shape[2] !== 0 || inputs.dy.dtype !== 'float32') {
    return runWasmKernel(backend, ResizeNearestNeighborGrad, inputs, attrs as unknown as Record<string, never>);
  }
  const out = backend.makeOutput([...shape], 'float32');
  const [n, h, w, c] = shape;
  const loops = simdLoopsFor(backend);
  if (loops !== null && outH === 2 * h && outW === 2 * w && c % 4 === 0) {
    // addresses after the allocation, which may grow the heap
    const [src, dst] = [backend.typedArrayFromHeap(inputs.dy).byteOffset, backend.typedArrayFromHeap(out).byteOffset];
    for (let b = 0; b < n; b++) loops.sum2x2(src + 4 * b * outH * outW * c, dst + 4 * b * h * w * c, h, w, c / 4);
    return out;
  }
  const dx = backend.typedArrayFromHeap(out);
  dx.fill(0);
  addNearestNeighborGrad(backend.typedArrayFromHeap(inputs.dy), dx, shape, [outH, outW], attrs);
  return out;
}

export const resizeNearestNeighborGradWasmConfig: KernelConfig = {
  kernelName: ResizeNearestNeighborGrad,
  backendName: 'wasm',
  kernelFunc: resizeNearestNeighborGradWasm as unknown as KernelConfig['kernelFunc'],
};
