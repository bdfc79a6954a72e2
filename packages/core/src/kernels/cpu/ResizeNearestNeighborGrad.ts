import { type KernelConfig, ResizeNearestNeighborGrad, type ResizeNearestNeighborGradAttrs, type TensorInfo } from '@tensorflow/tfjs-core';

interface CpuBackend {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

/** Source index of output position i in tfjs's forward nearest-neighbour resize. */
export function nearestSource(i: number, inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): number {
  const ratio = (alignCorners && outSize > 1 ? inSize - 1 : inSize) / (alignCorners && outSize > 1 ? outSize - 1 : outSize);
  const frac = halfPixelCenters ? ratio * (i + 0.5) : ratio * i;
  const nearest = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
  return halfPixelCenters ? Math.max(0, nearest) : nearest;
}

/**
 * dx += the adjoint of the forward resize of [batch, inH, inW, depth] to dy's [outH, outW]: every dy pixel adds
 * into its source pixel, in dy's order, in float32 (dx's own precision).
 */
export function addNearestNeighborGrad(
  dy: Float32Array,
  dx: Float32Array,
  [batch, inH, inW, depth]: readonly [number, number, number, number],
  [outH, outW]: readonly [number, number],
  attrs: ResizeNearestNeighborGradAttrs,
): void {
  const rows = Array.from({ length: outH }, (_, r) => nearestSource(r, inH, outH, attrs.alignCorners, attrs.halfPixelCenters));
  const cols = Array.from({ length: outW }, (_, c) => nearestSource(c, inW, outW, attrs.alignCorners, attrs.halfPixelCenters));
  for (let b = 0; b < batch; b++)
    for (let r = 0; r < outH; r++)
      for (let c = 0; c < outW; c++) {
        const src = ((b * outH + r) * outW + c) * depth;
        const dst = ((b * inH + (rows[r] as number)) * inW + (cols[c] as number)) * depth;
        for (let d = 0; d < depth; d++) dx[dst + d] = (dx[dst + d] as number) + (dy[src + d] as number);
      }
}

/** tfjs-backend-cpu 4.22's kernel offsets dy by the images' batch stride, so every image after the first is wrong. */
export function resizeNearestNeighborGradCpu(args: {
  inputs: { images: TensorInfo; dy: TensorInfo };
  backend: CpuBackend;
  attrs: ResizeNearestNeighborGradAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const shape = inputs.images.shape as [number, number, number, number];
  const [, outH, outW] = inputs.dy.shape as [number, number, number, number];
  const dx = new Float32Array(shape.reduce((a, d) => a * d, 1));
  addNearestNeighborGrad(backend.data.get(inputs.dy.dataId).values, dx, shape, [outH, outW], attrs);
  return backend.makeTensorInfo([...shape], 'float32', dx);
}

export const resizeNearestNeighborGradCpuConfig: KernelConfig = {
  kernelName: ResizeNearestNeighborGrad,
  backendName: 'cpu',
  kernelFunc: resizeNearestNeighborGradCpu as unknown as KernelConfig['kernelFunc'],
};
