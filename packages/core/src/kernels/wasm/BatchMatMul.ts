import { BatchMatMul, type BatchMatMulAttrs, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { matMulGemm, matMulGemmApplies } from './conv_gemm.js';
import { sgemmFor } from './sgemm.js';
import { runWasmKernel, type WasmBackend, withTemporaries } from './wasm_kernel_util.js';

/** Below this many multiply-adds per matrix, one kernel call per batch entry costs more than it saves. */
const PER_MATRIX_MIN_MACS = 4096;

const product = (dims: readonly number[]) => dims.reduce((p, d) => p * d, 1);

/**
 * tfjs-backend-wasm runs XNNPACK only for a single right-hand matrix; a batch of them (attention's
 * Q·Kᵀ and A·V) goes through a blocked scalar loop several times slower. Multiplying the batch one
 * matrix pair at a time keeps each product on XNNPACK.
 */
function batchMatMulPerMatrix(backend: WasmBackend, a: TensorInfo, b: TensorInfo): TensorInfo {
  const leading = a.shape.slice(0, -2);
  const [m, k] = a.shape.slice(-2) as [number, number];
  const n = b.shape[b.shape.length - 1] as number;
  const batch = product(leading);
  // wasm's Slice kernel copies element by element (slower than the products); a typed-array copy is a memcpy.
  const matrix = (x: TensorInfo, i: number, rows: number, cols: number): TensorInfo => {
    const out = backend.makeOutput([1, rows, cols], 'float32');
    backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x).subarray(i * rows * cols, (i + 1) * rows * cols));
    return out;
  };
  const out = backend.makeOutput([...leading, m, n], 'float32');
  for (let i = 0; i < batch; i++) {
    withTemporaries(backend, (keep) => {
      const ai = keep(matrix(a, i, m, k));
      const bi = keep(matrix(b, i, k, n));
      const ci = keep(runWasmKernel(backend, BatchMatMul, { a: ai, b: bi }, { transposeA: false, transposeB: false }));
      // The heap may have grown during the product: fetch the output's view afresh.
      backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(ci), i * m * n);
    });
  }
  return out;
}

/**
 * tfjs-backend-wasm multiplies on XNNPACK only when neither operand is flagged transposed; with a
 * flag it runs a scalar loop about 13× slower, and every dense layer's backward pass sets one
 * (xᵀ·dy, dy·Wᵀ). Transposing the flagged operand first keeps each product on XNNPACK; a batch of
 * right-hand matrices is multiplied one pair at a time for the same reason. Products with whole tiles of
 * columns run on the project's tile (conv_gemm.ts) instead, which reads a transposed A in place.
 */
export function batchMatMulWasm(args: { inputs: { a: TensorInfo; b: TensorInfo }; backend: WasmBackend; attrs: BatchMatMulAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const untransposed = (a: TensorInfo, b: TensorInfo): TensorInfo => {
    const leading = a.shape.slice(0, -2);
    const sameBatch = leading.length === b.shape.length - 2 && leading.every((d, i) => d === b.shape[i]);
    const float = a.dtype === 'float32' && b.dtype === 'float32';
    const [m, k] = a.shape.slice(-2) as [number, number];
    const n = b.shape[b.shape.length - 1] as number;
    const gemm = sgemmFor(backend);
    if (gemm !== null && matMulGemmApplies(a, b)) return matMulGemm(backend, gemm, a, b);
    if (float && sameBatch && product(leading) > 1 && m * k * n >= PER_MATRIX_MIN_MACS) return batchMatMulPerMatrix(backend, a, b);
    return runWasmKernel(backend, BatchMatMul, { a, b }, { transposeA: false, transposeB: false });
  };
  if (!attrs.transposeA && !attrs.transposeB) return untransposed(inputs.a, inputs.b);
  const gemm = sgemmFor(backend);
  if (gemm !== null && attrs.transposeA && !attrs.transposeB && matMulGemmApplies(inputs.a, inputs.b)) {
    return matMulGemm(backend, gemm, inputs.a, inputs.b, true);
  }
  return withTemporaries(backend, (keep) => {
    const transposeLastTwo = (t: TensorInfo): TensorInfo => {
      const rank = t.shape.length;
      const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
      return keep(runWasmKernel(backend, 'Transpose', { x: t }, { perm }));
    };
    const a = attrs.transposeA ? transposeLastTwo(inputs.a) : inputs.a;
    const b = attrs.transposeB ? transposeLastTwo(inputs.b) : inputs.b;
    return untransposed(a, b);
  });
}

export const batchMatMulWasmConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMulWasm as unknown as KernelConfig['kernelFunc'],
};
