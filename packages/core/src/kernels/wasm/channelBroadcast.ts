import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { simdLoopsFor } from './simd_loops.js';
import { runWasmKernel, type WasmBackend } from './wasm_kernel_util.js';

/**
 * Whether `bias` broadcasts over `x` along its last axis only ([C], [1, C], … against [..., C]) with C a
 * multiple of four: a layer's bias add or channel scale, which XNNPACK runs row by row.
 */
function isChannelBias(x: TensorInfo, bias: TensorInfo): boolean {
  const channels = x.shape[x.shape.length - 1];
  if (x.dtype !== 'float32' || bias.dtype !== 'float32' || channels === undefined || channels % 4 !== 0) return false;
  if (bias.shape.length > x.shape.length || bias.shape[bias.shape.length - 1] !== channels) return false;
  return bias.shape.slice(0, -1).every((d) => d === 1) && x.shape.every((d) => d > 0);
}

/**
 * A commutative binary kernel on wasm: x ∘ a channel row in one SIMD pass over x (simd_loops.ts), each element one
 * correctly rounded operation, as XNNPACK's is; other shapes go to the shipped kernel.
 */
export function channelBroadcastKernel(kernelName: string, op: 'channelAdd' | 'channelMul'): KernelConfig {
  const kernelFunc = (args: { inputs: { a: TensorInfo; b: TensorInfo }; backend: WasmBackend }): TensorInfo => {
    const { inputs, backend } = args;
    const { a, b } = inputs;
    const loops = simdLoopsFor(backend);
    // the operation commutes, so the row on either side gives the same values
    const [x, row] = isChannelBias(a, b) ? [a, b] : isChannelBias(b, a) ? [b, a] : [null, null];
    if (loops === null || x === null || row === null) return runWasmKernel(backend, kernelName, inputs);
    const channels = x.shape[x.shape.length - 1] as number;
    const out = backend.makeOutput(x.shape, 'float32');
    // addresses after the allocation, which may grow the heap
    const at = (t: TensorInfo) => backend.typedArrayFromHeap(t).byteOffset;
    loops[op](at(x), at(row), at(out), x.shape.reduce((p, d) => p * d, 1) / channels, channels / 4);
    return out;
  };
  return { kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as KernelConfig['kernelFunc'] };
}
