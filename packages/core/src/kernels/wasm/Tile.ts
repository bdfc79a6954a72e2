import { type KernelConfig, type TensorInfo, Tile, type TileAttrs } from '@tensorflow/tfjs-core';
import { runWasmKernel, type WasmBackend } from './wasm_kernel_util.js';

/** Rows this short or shorter are written element by element. */
const SHORT_ROW = 16;

/**
 * Tile on wasm by block copies: x's rows to their place in the output, repeated along the last axis, then, axis by
 * axis from the second last, each slab copied after itself reps − 1 times. The shipped kernel maps every element's index
 * (StyleGAN2's learned constant tiled to the batch took about 1 ms per call).
 */
export function tileWasm(args: { inputs: { x: TensorInfo }; backend: WasmBackend; attrs: TileAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const shape = x.shape;
  const reps = attrs.reps;
  if (x.dtype !== 'float32' || shape.length === 0 || reps.length !== shape.length) return runWasmKernel(backend, Tile, inputs, attrs as never);
  const rank = shape.length;
  const outShape = shape.map((d, i) => d * (reps[i] as number));
  const out = backend.makeOutput(outShape, 'float32');
  const o = backend.typedArrayFromHeap(out);
  if (o.length === 0) return out;
  const s = backend.typedArrayFromHeap(x);
  // outer[d]: elements of the output under one index of axis d − 1 (the product of outShape from d on)
  const outer = new Array<number>(rank + 1).fill(1);
  for (let d = rank - 1; d >= 0; d--) outer[d] = (outer[d + 1] as number) * (outShape[d] as number);
  // where the first copy of each block of x over its leading `axes` axes starts in the output, in x's order (an odometer)
  const places = (axes: number): Float64Array => {
    const at = new Float64Array(shape.slice(0, axes).reduce((p, n) => p * n, 1));
    const index = new Array<number>(axes).fill(0);
    for (let flat = 1, pos = 0; flat < at.length; flat++) {
      let d = axes - 1;
      for (; (index[d] as number) + 1 === shape[d]; d--) {
        pos -= (index[d] as number) * (outer[d + 1] as number);
        index[d] = 0;
      }
      index[d] = (index[d] as number) + 1;
      pos += outer[d + 1] as number;
      at[flat] = pos;
    }
    return at;
  };
  // x's rows repeated along the last axis in place: element by element where rows are short (a channel broadcast,
  // one float repeated C times per pixel, would otherwise be one copy call per float)
  const row = shape[rank - 1] as number;
  const rowReps = reps[rank - 1] as number;
  const rowPlaces = places(rank - 1);
  for (let r = 0; r < rowPlaces.length; r++) {
    const from = r * row;
    const at = rowPlaces[r] as number;
    if (row === 1) {
      const v = s[from] as number;
      for (let t = at; t < at + rowReps; t++) o[t] = v;
    } else if (row <= SHORT_ROW) {
      for (let k = 0, t = at; k < rowReps; k++) for (let e = 0; e < row; e++, t++) o[t] = s[from + e] as number;
    } else for (let k = 0; k < rowReps; k++) o.set(s.subarray(from, from + row), at + k * row);
  }
  // axis d: every slab of shape[d] · outer[d + 1] elements under a first-copy prefix repeated reps[d] − 1 times
  for (let d = rank - 2; d >= 0; d--) {
    const slab = (shape[d] as number) * (outer[d + 1] as number);
    for (const at of places(d)) {
      for (let k = 1; k < (reps[d] as number); k++) o.copyWithin(at + k * slab, at, at + slab);
    }
  }
  return out;
}

export const tileWasmConfig: KernelConfig = {
  kernelName: Tile,
  backendName: 'wasm',
  kernelFunc: tileWasm as unknown as KernelConfig['kernelFunc'],
};
