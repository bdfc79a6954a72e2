import { Add, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { simdLoopsFor } from './simd_loops.js';
import { runWasmKernel, type WasmBackend } from './wasm_kernel_util.js';

/**
 * Whether `bias` broadcasts over `x` along its last axis only ([C], [1, C], … against [..., C]) with C a
 * multiple of four: a layer's bias add, which XNNPACK runs row by row.
 */
function isChannelBias(x: TensorInfo, bias: TensorInfo): boolean {
  const channels = x.shape[x.shape.length - 1];
  if (x.dtype !== 'float32' || bias.dtype !== 'float32' || channels === undefined || channels % 4 !== 0) return false;
  if (bias.shape.length > x.shape.length || bias.shape[bias.shape.length - 1] !== channels) return false;
  return bias.shape.slice(0, -1).every((d) => d === 1) && x.shape.every((d) => d > 0);
}

/** Add on wasm: a channel bias in one pass over x (simd_loops.ts), the sum rounded as XNNPACK rounds it; else the shipped kernel. */
export function addWasm(args: { inputs: { a: TensorInfo; b: TensorInfo }; backend: WasmBackend }): TensorInfo {
  const { inputs, backend } = args;
  const { a, b } = inputs;
  const loops = simdLoopsFor(backend);
  // float addition commutes, so a bias on either side is the same sum
  const [x, bias] = isChannelBias(a, b) ? [a, b] : isChannelBias(b, a) ? [b, a] : [null, null];
  if (loops === null || x === null || bias === null) return runWasmKernel(backend, Add, inputs);
  const channels = x.shape[x.shape.length - 1] as number;
  const out = backend.makeOutput(x.shape, 'float32');
  // addresses after the allocation, which may grow the heap
  const at = (t: TensorInfo) => backend.typedArrayFromHeap(t).byteOffset;
  loops.biasAdd(at(x), at(bias), at(out), x.shape.reduce((p, d) => p * d, 1) / channels, channels / 4);
  return out;
}

export const addWasmConfig: KernelConfig = {
  kernelName: Add,
  backendName: 'wasm',
  kernelFunc: addWasm as unknown as KernelConfig['kernelFunc'],
};
