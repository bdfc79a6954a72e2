import { type TensorInfo, util } from '@tensorflow/tfjs-core';
import { runWasmKernel, type WasmBackend } from './wasm_kernel_util.js';

/** k when the reduced axes are exactly the first k of a rank > k tensor (the layout of per-channel statistics), else null. */
export function leadingAxesCount(axis: number | number[], shape: readonly number[]): number | null {
  const axes = util.parseAxisParam(axis, shape as number[]).sort((p, q) => p - q);
  const k = axes.length;
  if (k === 0 || k >= shape.length || axes.some((a, i) => a !== i)) return null;
  return k;
}

/**
 * Mean over the first k axes, times `scale`, as one XNNPACK average pool of x seen as [1, outer, 1, inner]
 * with an outer × 1 window. tfjs-backend-wasm instead transposes the reduced axes to the end first,
 * ≈ 10 ms for the per-channel reductions batch norm and bias gradients make over a 64×14×14×64 batch;
 * the pool takes < 1 ms and, unlike a product with a ones matrix, packs no weights per call.
 */
export function reduceLeadingAxes(backend: WasmBackend, x: TensorInfo, k: number, keepDims: boolean, scale: number): TensorInfo {
  const outer = util.sizeFromShape(x.shape.slice(0, k));
  const inner = util.sizeFromShape(x.shape.slice(k));
  const temporaries: TensorInfo[] = [];
  const run = (name: string, inputs: Record<string, TensorInfo>, attrs: Record<string, unknown>): TensorInfo => {
    const t = runWasmKernel(backend, name, inputs, attrs as never);
    temporaries.push(t);
    return t;
  };
  try {
    const image = run('Reshape', { x }, { shape: [1, outer, 1, inner] });
    let reduced = run('AvgPool', { x: image }, { filterSize: [outer, 1], strides: [outer, 1], pad: 'valid' });
    if (scale !== 1) {
      const factor = run('Fill', {}, { shape: [], value: scale, dtype: 'float32' });
      reduced = run('Multiply', { a: reduced, b: factor }, {});
    }
    const outShape = keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
    return runWasmKernel(backend, 'Reshape', { x: reduced }, { shape: outShape });
  } finally {
    for (const t of temporaries) backend.disposeData(t.dataId);
  }
}
