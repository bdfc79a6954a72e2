import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { simdLoopsFor } from './simd_loops.js';
import { runWasmKernel, type WasmBackend } from './wasm_kernel_util.js';

/**
 * How `row` broadcasts over `x` as `groups` channel rows, each over `rows` rows of x: row is [..., C] with x's leading
 * dims, then 1s ([C] or [1, C]: a layer's bias or channel scale, one group; [N, 1, 1, C]: a per-sample scale, N groups),
 * and C a multiple of four. XNNPACK broadcasts such a row row by row. Null for any other shape.
 */
function channelGroups(x: TensorInfo, row: TensorInfo): { groups: number; rows: number; channels: number } | null {
  const rank = x.shape.length;
  const channels = x.shape[rank - 1];
  if (x.dtype !== 'float32' || row.dtype !== 'float32' || channels === undefined || channels % 4 !== 0) return null;
  if (row.shape.length > rank || row.shape[row.shape.length - 1] !== channels || x.shape.some((d) => d === 0)) return null;
  const padded = [...new Array<number>(rank - row.shape.length).fill(1), ...row.shape];
  let lead = 0;
  while (lead < rank - 1 && padded[lead] === x.shape[lead]) lead++;
  if (padded.slice(lead, rank - 1).some((d) => d !== 1)) return null;
  const groups = x.shape.slice(0, lead).reduce((p, d) => p * d, 1);
  const rows = x.shape.slice(lead, rank - 1).reduce((p, d) => p * d, 1);
  // a row as large as x is no broadcast: the shipped kernel's one pass
  return groups === 1 || rows > 1 ? { groups, rows, channels } : null;
}

/**
 * A commutative binary kernel on wasm: x ∘ a channel row (or one per group of rows) in one SIMD pass over x
 * (simd_loops.ts), each element one correctly rounded operation, as XNNPACK's is; other shapes go to the shipped kernel.
 */
export function channelBroadcastKernel(kernelName: string, op: 'channelAdd' | 'channelMul'): KernelConfig {
  const kernelFunc = (args: { inputs: { a: TensorInfo; b: TensorInfo }; backend: WasmBackend }): TensorInfo => {
    const { inputs, backend } = args;
    const { a, b } = inputs;
    const loops = simdLoopsFor(backend);
    // the operation commutes, so the row on either side gives the same values
    const rowB = channelGroups(a, b);
    const [x, row, shape] = rowB !== null ? [a, b, rowB] : [b, a, channelGroups(b, a)];
    if (loops === null || shape === null) return runWasmKernel(backend, kernelName, inputs);
    const { groups, rows, channels } = shape;
    const out = backend.makeOutput(x.shape, 'float32');
    // addresses after the allocation, which may grow the heap
    const at = (t: TensorInfo) => backend.typedArrayFromHeap(t).byteOffset;
    const [xA, rowA, outA] = [at(x), at(row), at(out)];
    const groupBytes = 4 * rows * channels;
    for (let g = 0; g < groups; g++) loops[op](xA + g * groupBytes, rowA + 4 * g * channels, outA + g * groupBytes, rows, channels / 4);
    return out;
  };
  return { kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as KernelConfig['kernelFunc'] };
}
