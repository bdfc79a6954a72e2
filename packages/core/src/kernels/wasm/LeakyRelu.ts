import { type KernelConfig, LeakyRelu, type LeakyReluAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import { leakyReluGradFrom } from '../cpu/LeakyReluGrad.js';
import { LEAKY_RELU_GRAD } from '../kernel_names.js';
import { simdLoopsFor } from './simd_loops.js';
import { runWasmKernel, type WasmBackend } from './wasm_kernel_util.js';

/**
 * LeakyRelu and its gradient on wasm as one SIMD pass each (simd_loops.ts); the shipped LeakyRelu is a
 * scalar loop, and tfjs's gradient is three kernels (Greater, Multiply, Select), two of them scalar loops.
 * The last n mod 4 floats are done in JavaScript (the gradient's with the cpu kernel's loop, all of them without SIMD),
 * rounded as the SIMD loop rounds (one float32 product).
 */
export function leakyReluWasm(args: { inputs: { x: TensorInfo }; backend: WasmBackend; attrs: LeakyReluAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const loops = simdLoopsFor(backend);
  if (loops === null || x.dtype !== 'float32') return runWasmKernel(backend, LeakyRelu, inputs, attrs as unknown as Record<string, never>);
  const out = backend.makeOutput(x.shape, 'float32');
  const xs = backend.typedArrayFromHeap(x);
  const ys = backend.typedArrayFromHeap(out);
  const vectors = xs.length >> 2;
  if (vectors > 0) loops.leakyRelu(xs.byteOffset, ys.byteOffset, vectors, attrs.alpha);
  const alpha = Math.fround(attrs.alpha);
  for (let i = 4 * vectors; i < xs.length; i++) {
    const v = xs[i] as number;
    ys[i] = v < 0 ? alpha * v : v;
  }
  return out;
}

export function leakyReluGradWasm(args: { inputs: { dy: TensorInfo; x: TensorInfo }; backend: WasmBackend; attrs: LeakyReluAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, x } = inputs;
  const loops = simdLoopsFor(backend);
  const out = backend.makeOutput(dy.shape, 'float32');
  const dys = backend.typedArrayFromHeap(dy);
  const xs = backend.typedArrayFromHeap(x);
  const dxs = backend.typedArrayFromHeap(out);
  // without SIMD the cpu kernel's loop does every element
  const vectors = loops === null ? 0 : dys.length >> 2;
  if (vectors > 0) loops?.leakyReluGrad(dys.byteOffset, xs.byteOffset, dxs.byteOffset, vectors, attrs.alpha);
  leakyReluGradFrom(dys, xs, dxs, attrs.alpha, 4 * vectors);
  return out;
}

export const leakyReluWasmConfig: KernelConfig = {
  kernelName: LeakyRelu,
  backendName: 'wasm',
  kernelFunc: leakyReluWasm as unknown as KernelConfig['kernelFunc'],
};

export const leakyReluGradWasmConfig: KernelConfig = {
  kernelName: LEAKY_RELU_GRAD,
  backendName: 'wasm',
  kernelFunc: leakyReluGradWasm as unknown as KernelConfig['kernelFunc'],
};
