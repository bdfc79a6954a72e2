import { type KernelConfig, ResizeNearestNeighborGrad, type ResizeNearestNeighborGradAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import { runWasmKernel, type WasmBackend } from './wasm_kernel_util.js';

/**
 * ResizeNearestNeighborGrad for whole-number upsampling without aligned corners (the architectures'
 * nearest upsampling): output pixel (y, x) reads source (⌊y/k⌋, ⌊x/l⌋) with or without half-pixel
 * centres, so dx[n,i,j,c] = Σ_{a<k, b<l} dy[n, i·k + a, j·l + b, c], added in float32 in dy's order.
 * Other resizes go to the shipped kernel.
 */
export function resizeNearestNeighborGradWasm(args: {
  inputs: { images: TensorInfo; dy: TensorInfo };
  backend: WasmBackend;
  attrs: ResizeNearestNeighborGradAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const [n, h, w, c] = inputs.images.shape as [number, number, number, number];
  const [, oh, ow] = inputs.dy.shape as [number, number, number, number];
  const [k, l] = [oh / h, ow / w];
  if (attrs.alignCorners || !Number.isInteger(k) || !Number.isInteger(l) || inputs.dy.dtype !== 'float32') {
    return runWasmKernel(backend, ResizeNearestNeighborGrad, inputs, attrs as unknown as Record<string, never>);
  }
  const out = backend.makeOutput([n, h, w, c], 'float32');
  const dx = backend.typedArrayFromHeap(out);
  const dy = backend.typedArrayFromHeap(inputs.dy);
  dx.fill(0);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++) {
      const row = (b * h + Math.floor(y / k)) * w;
      for (let x = 0; x < ow; x++) {
        const src = ((b * oh + y) * ow + x) * c;
        const dst = (row + Math.floor(x / l)) * c;
        for (let d = 0; d < c; d++) dx[dst + d] = (dx[dst + d] as number) + (dy[src + d] as number);
      }
    }
  return out;
}

export const resizeNearestNeighborGradWasmConfig: KernelConfig = {
  kernelName: ResizeNearestNeighborGrad,
  backendName: 'wasm',
  kernelFunc: resizeNearestNeighborGradWasm as unknown as KernelConfig['kernelFunc'],
};
