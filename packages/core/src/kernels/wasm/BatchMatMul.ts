import { BatchMatMul, type BatchMatMulAttrs, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { runWasmKernel, type WasmBackend, withTemporaries } from './wasm_kernel_util.js';

/**
 * tfjs-backend-wasm multiplies on XNNPACK only when neither operand is flagged transposed; with a
 * flag it runs a scalar loop about 13× slower, and every dense layer's backward pass sets one
 * (xᵀ·dy, dy·Wᵀ). Transposing the flagged operand first keeps each product on XNNPACK.
 */
export function batchMatMulWasm(args: { inputs: { a: TensorInfo; b: TensorInfo }; backend: WasmBackend; attrs: BatchMatMulAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  if (!attrs.transposeA && !attrs.transposeB) return runWasmKernel(backend, BatchMatMul, inputs, { ...attrs });
  return withTemporaries(backend, (keep) => {
    const transposeLastTwo = (t: TensorInfo): TensorInfo => {
      const rank = t.shape.length;
      const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
      return keep(runWasmKernel(backend, 'Transpose', { x: t }, { perm }));
    };
    const a = attrs.transposeA ? transposeLastTwo(inputs.a) : inputs.a;
    const b = attrs.transposeB ? transposeLastTwo(inputs.b) : inputs.b;
    return runWasmKernel(backend, BatchMatMul, { a, b }, { transposeA: false, transposeB: false });
  });
}

export const batchMatMulWasmConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMulWasm as unknown as KernelConfig['kernelFunc'],
};
