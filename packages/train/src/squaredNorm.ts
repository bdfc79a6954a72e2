import { tf } from '@ganbench/core';

/** Σ over tensors of Σ x², in one kernel: see squaredGlobalNorm. */
export const SQUARED_NORM = 'GanbenchSquaredGlobalNorm';

const f = Math.fround;

/**
 * addN(tensors.map((t) => sum(square(t)))) element by element, rounded as the cpu backend rounds
 * its kernels: each x² to float32, each tensor's sum in float64 rounded once to float32 (its Sum
 * kernel), the tensors' sums added in order in float32 (its AddN).
 */
export function squaredNormCpu(arrays: readonly Float32Array[]): number {
  let total = 0;
  for (const a of arrays) {
    let sum = 0;
    for (let i = 0; i < a.length; i++) {
      const x = a[i] as number;
      sum += f(x * x);
    }
    total = f(total + f(sum));
  }
  return total;
}

/** The same as the wasm backend rounds it: x² to float32, each tensor's sum accumulated in float32 from 0, the sums added in order in float32. */
export function squaredNormWasm(arrays: readonly Float32Array[]): number {
  let total = 0;
  for (const a of arrays) {
    let sum = 0;
    for (let i = 0; i < a.length; i++) {
      const x = a[i] as number;
      sum = f(sum + f(x * x));
    }
    total = f(total + sum);
  }
  return total;
}

interface WasmBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

interface CpuBackend {
  data: { get(dataId: tf.DataId): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

function kernelWasm(args: { inputs: tf.TensorInfo[]; backend: WasmBackend }): tf.TensorInfo {
  const { inputs, backend } = args;
  const out = backend.makeOutput([], 'float32');
  // Views after the allocation: it may grow the heap and detach earlier ones.
  const value = squaredNormWasm(Object.values(inputs).map((t) => backend.typedArrayFromHeap(t)));
  backend.typedArrayFromHeap(out)[0] = value;
  return out;
}

function kernelCpu(args: { inputs: tf.TensorInfo[]; backend: CpuBackend }): tf.TensorInfo {
  const { inputs, backend } = args;
  const value = squaredNormCpu(Object.values(inputs).map((t) => backend.data.get(t.dataId).values));
  return backend.makeTensorInfo([], 'float32', new Float32Array([value]));
}

const KERNELS: Record<'wasm' | 'cpu', tf.KernelConfig> = {
  wasm: { kernelName: SQUARED_NORM, backendName: 'wasm', kernelFunc: kernelWasm as unknown as tf.KernelConfig['kernelFunc'] },
  cpu: { kernelName: SQUARED_NORM, backendName: 'cpu', kernelFunc: kernelCpu as unknown as tf.KernelConfig['kernelFunc'] },
};

/** The fused kernel's backend, registering it on first use; null where the tfjs kernels run (webgpu, tensorflow). */
function fusedBackend(): 'wasm' | 'cpu' | null {
  const name = tf.getBackend();
  if (name !== 'wasm' && name !== 'cpu') return null;
  if (tf.getKernel(SQUARED_NORM, name) === undefined) tf.registerKernel(KERNELS[name]);
  return name;
}

/** The reference: one Square and one Sum per tensor, then one AddN (2k + 1 kernels). */
export function squaredGlobalNormUnfused(tensors: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.addN(tensors.map((g) => tf.sum(tf.square(g)))) as tf.Scalar);
}

/**
 * The squared global L2 norm of float32 tensors, Σ_t Σ x², with the bits of
 * addN(tensors.map((t) => sum(square(t)))) on the current backend: one kernel on cpu and wasm
 * instead of 2k + 1, tfjs's kernels elsewhere. Not differentiable (the trainer only logs it).
 */
export function squaredGlobalNorm(tensors: readonly tf.Tensor[]): tf.Scalar {
  if (fusedBackend() === null || tensors.some((t) => t.dtype !== 'float32')) return squaredGlobalNormUnfused(tensors);
  return tf.engine().runKernel(SQUARED_NORM, tensors as unknown as tf.NamedTensorMap) as tf.Scalar;
}
