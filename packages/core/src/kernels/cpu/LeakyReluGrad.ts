import type { KernelConfig, LeakyReluAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { LEAKY_RELU_GRAD } from '../kernel_names.js';

interface CpuBackend {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

/** dx = x > 0 ? dy : α·dy in float32, the values of tfjs's where(greater(x, 0), dy, mul(dy, α)). */
function leakyReluGradCpu(args: { inputs: { dy: TensorInfo; x: TensorInfo }; backend: CpuBackend; attrs: LeakyReluAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = backend.data.get(inputs.dy.dataId).values;
  const x = backend.data.get(inputs.x.dataId).values;
  const alpha = Math.fround(attrs.alpha);
  const dx = new Float32Array(dy.length);
  for (let i = 0; i < dy.length; i++) dx[i] = (x[i] as number) > 0 ? (dy[i] as number) : alpha * (dy[i] as number);
  return backend.makeTensorInfo(inputs.dy.shape, 'float32', dx);
}

export const leakyReluGradCpuConfig: KernelConfig = {
  kernelName: LEAKY_RELU_GRAD,
  backendName: 'cpu',
  kernelFunc: leakyReluGradCpu as unknown as KernelConfig['kernelFunc'],
};
