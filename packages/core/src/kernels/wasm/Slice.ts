import { type KernelConfig, Slice, type SliceAttrs, slice_util, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { runWasmKernel, type WasmBackend } from './wasm_kernel_util.js';

/**
 * Calls `copy(srcOffset, dstOffset, run)` for every contiguous run of a box of `size` at `begin` inside an
 * array of `shape` (row-major), the box laid out densely: trailing axes the box spans whole merge into the run.
 */
export function forEachRun(
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  copy: (src: number, dst: number, run: number) => void,
): void {
  const rank = shape.length;
  if (size.some((s) => s === 0)) return;
  let inner = rank - 1;
  let run = size[inner] ?? 1;
  while (inner > 0 && size[inner] === shape[inner]) {
    inner--;
    run *= size[inner] as number;
  }
  const strides = util.computeStrides([...shape]);
  const stride = (axis: number) => (axis === rank - 1 ? 1 : (strides[axis] as number));
  const index = begin.slice(0, inner);
  let dst = 0;
  for (;;) {
    let src = 0;
    for (let a = 0; a < inner; a++) src += (index[a] as number) * stride(a);
    src += (begin[inner] ?? 0) * stride(inner);
    copy(src, dst, run);
    dst += run;
    let a = inner - 1;
    while (a >= 0) {
      index[a] = (index[a] as number) + 1;
      if ((index[a] as number) < (begin[a] as number) + (size[a] as number)) break;
      index[a] = begin[a] as number;
      a--;
    }
    if (a < 0) return;
  }
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
  forEachRun(x.shape, begin, size, (s, d, run) => dst.set(src.subarray(s, s + run), d));
  return out;
}

export const sliceWasmConfig: KernelConfig = {
  kernelName: Slice,
  backendName: 'wasm',
  kernelFunc: sliceWasm as unknown as KernelConfig['kernelFunc'],
};
