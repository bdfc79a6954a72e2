import { type KernelConfig, Slice, type SliceAttrs, slice_util, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { runWasmKernel, type WasmBackend } from './wasm_kernel_util.js';

/** Runs this short or shorter copy element by element: a subarray per run costs more than the copy itself (a channel slice of 3 floats a pixel). */
const SHORT_RUN = 16;

/** to[t …t + run) = from[f … f + run). */
export function copyRun(to: Float32Array, t: number, from: Float32Array, f: number, run: number): void {
  if (run <= SHORT_RUN) for (let e = 0; e < run; e++) to[t + e] = from[f + e] as number;
  else to.set(from.subarray(f, f + run), t);
}

/** to[t … end) = value: element by element where short. */
export function fillGap(to: Float32Array, t: number, end: number, value: number): void {
  if (end - t <= SHORT_RUN) for (let e = t; e < end; e++) to[e] = value;
  else to.fill(value, t, end);
}

/**
 * Copies the box of `size` at `begin` inside an array of `shape` (row-major) between `boxed` and `dense`, which
 * holds the box laid out densely: into `dense` when `toDense`, else back into `boxed`, where `fill`, when given, is
 * written everywhere outside the box as the runs pass (each element of boxed written once). Trailing axes the box
 * spans whole merge into one contiguous run.
 */
export function copyBox(
  boxed: Float32Array,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  dense: Float32Array,
  toDense: boolean,
  fill?: number,
): void {
  const rank = shape.length;
  const padding = !toDense && fill !== undefined;
  if (size.some((s) => s === 0)) {
    if (padding) boxed.fill(fill);
    return;
  }
  let inner = rank - 1;
  let run = size[inner] ?? 1;
  while (inner > 0 && size[inner] === shape[inner]) {
    inner--;
    run *= size[inner] as number;
  }
  const strides = util.computeStrides([...shape]);
  const stride = (axis: number) => (axis === rank - 1 ? 1 : (strides[axis] as number));
  const index = begin.slice(0, inner);
  let boxAt = 0;
  for (let a = 0; a <= inner; a++) boxAt += (begin[a] ?? 0) * stride(a);
  // runs step along axis inner − 1 (or there is one run); a carry into an outer axis recomputes the offset
  const step = inner > 0 ? stride(inner - 1) : 0;
  // runs come in increasing order in boxed: the gap before each is outside the box
  let written = 0;
  for (let denseAt = 0; ; denseAt += run, boxAt += step) {
    if (toDense) copyRun(dense, denseAt, boxed, boxAt, run);
    else {
      if (padding) fillGap(boxed, written, boxAt, fill);
      copyRun(boxed, boxAt, dense, denseAt, run);
      written = boxAt + run;
    }
    let a = inner - 1;
    while (a >= 0) {
      index[a] = (index[a] as number) + 1;
      if ((index[a] as number) < (begin[a] as number) + (size[a] as number)) break;
      index[a] = begin[a] as number;
      a--;
    }
    if (a < 0) break;
    if (a < inner - 1) {
      boxAt = (begin[inner] ?? 0) * stride(inner) - step;
      for (let b = 0; b < inner; b++) boxAt += (index[b] as number) * stride(b);
    }
  }
  if (padding) fillGap(boxed, written, boxed.length, fill);
}

/**
 * Slice on wasm for float32: copies each contiguous run from the input in place. The shipped
 * kernel first reads the whole input out of the heap (a copy of it all) to slice a part.
 */
export function sliceWasm(args: { inputs: { x: TensorInfo }; backend: WasmBackend; attrs: SliceAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  if (x.dtype !== 'float32') return runWasmKernel(backend, Slice, inputs, attrs as unknown as Record<string, never>);
  const [begin, size] = slice_util.parseSliceParams(x as never, attrs.begin, attrs.size) as [number[], number[]];
  const out = backend.makeOutput(size, 'float32');
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  copyBox(src, x.shape, begin, size, dst, true);
  return out;
}

export const sliceWasmConfig: KernelConfig = {
  kernelName: Slice,
  backendName: 'wasm',
  kernelFunc: sliceWasm as unknown as KernelConfig['kernelFunc'],
};
