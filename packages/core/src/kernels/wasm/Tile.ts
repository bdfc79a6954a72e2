import { type KernelConfig, type TensorInfo, Tile, type TileAttrs } from '@tensorflow/tfjs-core';
import { copyRun, fillGap } from './Slice.js';
import { runWasmKernel, type WasmBackend } from './wasm_kernel_util.js';

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
  // where the first copy of x's element block `flat` (over x's leading `axes` axes) starts in the output
  const placed = (flat: number, axes: number) => {
    let at = 0;
    for (let d = axes - 1, rest = flat; d >= 0; d--) {
      const i = rest % (shape[d] as number);
      rest = (rest - i) / (shape[d] as number);
      at += i * (outer[d + 1] as number);
    }
    return at;
  };
  // x's rows repeated along the last axis in place (a channel broadcast repeats one float C times per pixel)
  const row = shape[rank - 1] as number;
  const rowReps = reps[rank - 1] as number;
  for (let r = 0; r < s.length / row; r++) {
    const at = placed(r, rank - 1);
    if (row === 1) fillGap(o, at, at + rowReps, s[r] as number);
    else for (let k = 0; k < rowReps; k++) copyRun(o, at + k * row, s, r * row, row);
  }
  // axis d: every slab of shape[d] · outer[d + 1] elements under a first-copy prefix repeated reps[d] − 1 times
  for (let d = rank - 2; d >= 0; d--) {
    const slab = (shape[d] as number) * (outer[d + 1] as number);
    const prefixes = shape.slice(0, d).reduce((p, n) => p * n, 1);
    for (let q = 0; q < prefixes; q++) {
      const at = placed(q, d);
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
