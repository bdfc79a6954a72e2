import type { KernelConfig, LeakyReluAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { LEAKY_RELU_GRAD } from '../kernel_names.js';

interface CpuBackend {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

/**
 * dx[i] = x[i] > 0 ? dy[i] : α·dy[i] from index `start` on, in float32 (α rounded to float32, one rounded product):
 * the values of tfjs's where(greater(x, 0), dy, mul(dy, α)).
 */
export function leakyReluGradFrom(dy: Float32Array, x: Float32Array, dx: Float32Array, alpha: number, start = 0): void {
  const a = Math.fround(alpha);
  for (let i = start; i < dy.length; i++) dx[i] = (x[i] as number) > 0 ? (dy[i] as number) : a * (dy[i] as number);
}

function leakyReluGradCpu(args: { inputs: { dy: TensorInfo; x: TensorInfo }; backend: CpuBackend; attrs: LeakyReluAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = backend.data.get(inputs.dy.dataId).values;
  const dx = new Float32Array(dy.length);
  leakyReluGradFrom(dy, backend.data.get(inputs.x.dataId).values, dx, attrs.alpha);
  return backend.makeTensorInfo(inputs.dy.shape, 'float32', dx);
}

export const leakyReluGradCpuConfig: KernelConfig = {
  kernelName: LEAKY_RELU_GRAD,
  backendName: 'cpu',
  kernelFunc: leakyReluGradCpu as unknown as KernelConfig['kernelFunc'],
};
