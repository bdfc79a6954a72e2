import { AvgPoolGrad, type AvgPoolGradAttrs, backend_util, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { simdLoopsFor } from './simd_loops.js';
import { runWasmKernel, type WasmBackend } from './wasm_kernel_util.js';

/**
 * AvgPoolGrad for the downsampling the architectures use (windows that tile the input: stride = window,
 * no padding): dx[n, i·fh + a, j·fw + b, c] = dy[n,i,j,c] · (1/(fh·fw)), the float32 product the shipped
 * kernel computes, without its loop over every window of every input pixel: one SIMD pass per image for 2×2 windows
 * over whole vectors of channels (simd_loops.ts), a loop otherwise. Other pools go to the shipped kernel.
 */
export function avgPoolGradWasm(args: { inputs: { dy: TensorInfo; input: TensorInfo }; backend: WasmBackend; attrs: AvgPoolGradAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, input } = inputs;
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, filterHeight: fh, filterWidth: fw } = info;
  const tiles = info.strideHeight === fh && info.strideWidth === fw && oh * fh === h && ow * fw === w && info.padInfo.top === 0 && info.padInfo.left === 0;
  if (!tiles || input.dtype !== 'float32') return runWasmKernel(backend, AvgPoolGrad, inputs, attrs as unknown as Record<string, never>);
  const out = backend.makeOutput([n, h, w, c], 'float32');
  const loops = simdLoopsFor(backend);
  if (loops !== null && fh === 2 && fw === 2 && c % 4 === 0) {
    // addresses after the allocation, which may grow the heap
    const [src, dst] = [backend.typedArrayFromHeap(dy).byteOffset, backend.typedArrayFromHeap(out).byteOffset];
    for (let b = 0; b < n; b++) loops.spread2x2(src + 4 * b * oh * ow * c, dst + 4 * b * h * w * c, oh, ow, c / 4, 0.25);
    return out;
  }
  const dx = backend.typedArrayFromHeap(out);
  const g = backend.typedArrayFromHeap(dy);
  const scale = Math.fround(1 / (fh * fw));
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        const src = ((b * oh + i) * ow + j) * c;
        for (let a = 0; a < fh; a++)
          for (let q = 0; q < fw; q++) {
            const dst = ((b * h + i * fh + a) * w + j * fw + q) * c;
            for (let k = 0; k < c; k++) dx[dst + k] = (g[src + k] as number) * scale;
          }
      }
  return out;
}

export const avgPoolGradWasmConfig: KernelConfig = {
  kernelName: AvgPoolGrad,
  backendName: 'wasm',
  kernelFunc: avgPoolGradWasm as unknown as KernelConfig['kernelFunc'],
};
