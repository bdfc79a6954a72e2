import { type KernelConfig, Mean, type MeanAttrs, Sum, type SumAttrs, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { runWasmKernel, type WasmBackend, withTemporaries } from './wasm_kernel_util.js';

/** k when the reduced axes are exactly the first k of a rank > k tensor (the layout of per-channel statistics), else null. */
export function leadingAxesCount(axis: number | number[], shape: readonly number[]): number | null {
  const axes = util.parseAxisParam(axis, shape as number[]).sort((p, q) => p - q);
  const k = axes.length;
  if (k === 0 || k >= shape.length || axes.some((a, i) => a !== i)) return null;
  return k;
}

/**
 * The most channels one XNNPACK average pool is given: at 32 768 channels tfjs-backend-wasm 4.22's
 * AvgPool reads out of the wasm heap ("memory access out of bounds"); StyleGAN2's Σ over a 3×3 kernel
 * of 128×128 channels (16 384) had corrupted the heap inside a training step; 8 192 never failed.
 */
export const MAX_POOL_CHANNELS = 8192;

/** [W, C] with W·C = inner and C the largest divisor of inner ≤ MAX_POOL_CHANNELS: a row of x seen as W pixels of C channels. */
export function poolColumns(inner: number): [number, number] {
  for (let c = Math.min(inner, MAX_POOL_CHANNELS); c > 1; c--) if (inner % c === 0) return [inner / c, c];
  return [inner, 1];
}

/**
 * Mean over the first k axes, times `scale`, as one XNNPACK average pool of x seen as [1, outer, W, C]
 * (W·C = inner, see poolColumns) with an outer × 1 window. tfjs-backend-wasm instead transposes the reduced axes to the end first,
 * ≈ 10 ms for the per-channel reductions batch norm and bias gradients make over a 64×14×14×64 batch;
 * the pool takes < 1 ms and, unlike a product with a ones matrix, packs no weights per call.
 */
export function reduceLeadingAxes(backend: WasmBackend, x: TensorInfo, k: number, keepDims: boolean, scale: number): TensorInfo {
  const outer = util.sizeFromShape(x.shape.slice(0, k));
  const inner = util.sizeFromShape(x.shape.slice(k));
  return withTemporaries(backend, (keep) => {
    const [columns, channels] = poolColumns(inner);
    const image = keep(runWasmKernel(backend, 'Reshape', { x }, { shape: [1, outer, columns, channels] }));
    let reduced = keep(runWasmKernel(backend, 'AvgPool', { x: image }, { filterSize: [outer, 1], strides: [outer, 1], pad: 'valid' }));
    if (scale !== 1) {
      const factor = keep(runWasmKernel(backend, 'Fill', {}, { shape: [], value: scale, dtype: 'float32' }));
      reduced = keep(runWasmKernel(backend, 'Multiply', { a: reduced, b: factor }));
    }
    const outShape = keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
    return runWasmKernel(backend, 'Reshape', { x: reduced }, { shape: outShape });
  });
}

/**
 * Sum or Mean over leading axes through reduceLeadingAxes (a mean, scaled by the count for Sum);
 * every other reduction goes to the kernel tfjs ships.
 */
function leadingAxesReductionConfig(kernelName: typeof Sum | typeof Mean): KernelConfig {
  const kernelFunc = (args: { inputs: { x: TensorInfo }; backend: WasmBackend; attrs: SumAttrs | MeanAttrs }): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    const k = x.dtype === 'float32' ? leadingAxesCount(attrs.axis, x.shape) : null;
    if (k === null) return runWasmKernel(backend, kernelName, inputs, { ...attrs });
    return reduceLeadingAxes(backend, x, k, attrs.keepDims, kernelName === Sum ? util.sizeFromShape(x.shape.slice(0, k)) : 1);
  };
  return { kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as KernelConfig['kernelFunc'] };
}

export const sumWasmConfig = leadingAxesReductionConfig(Sum);
export const meanWasmConfig = leadingAxesReductionConfig(Mean);
