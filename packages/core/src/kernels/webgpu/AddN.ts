import { AddN, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';

/** The parts of tfjs-backend-webgpu's WebGPUBackend this kernel uses. */
interface WebGpuBackend {
  device: { limits: { maxStorageBuffersPerShaderStage: number } };
  disposeData(dataId: object, force?: boolean): boolean;
}

let shippedAddN: KernelFunc | null = null;

/** Keeps tfjs-backend-webgpu's AddN, which this kernel runs on groups of inputs. */
export function rememberShippedAddN(config: KernelConfig | undefined): void {
  if (shippedAddN === null && config !== undefined && config.kernelFunc !== addNWebgpuConfig.kernelFunc) shippedAddN = config.kernelFunc;
}

/**
 * tfjs-backend-webgpu's AddN binds every input to one shader, so a sum of more tensors than the device's
 * `maxStorageBuffersPerShaderStage` − 1 (15 on Dawn's OpenGL ES, 7 by default elsewhere) builds an invalid pipeline
 * and returns garbage: the global gradient norm over a network's weights is such a sum. This one adds groups that fit
 * and then the groups' sums (the same left-to-right float32 sums within a group).
 */
function addNWebgpu({ inputs, backend, attrs }: Parameters<KernelFunc>[0]): TensorInfo {
  const shipped = shippedAddN;
  if (shipped === null) throw new Error('AddN on webgpu: tfjs-backend-webgpu has not registered its AddN kernel');
  const webgpu = backend as unknown as WebGpuBackend;
  const group = Math.max(2, webgpu.device.limits.maxStorageBuffersPerShaderStage - 1);
  let tensors = Object.values(inputs) as TensorInfo[];
  const temporaries: TensorInfo[] = [];
  while (tensors.length > group) {
    const sums: TensorInfo[] = [];
    for (let start = 0; start < tensors.length; start += group) {
      const sum = shipped({ inputs: tensors.slice(start, start + group) as never, backend, attrs }) as TensorInfo;
      sums.push(sum);
      temporaries.push(sum);
    }
    tensors = sums;
  }
  const result = shipped({ inputs: tensors as never, backend, attrs }) as TensorInfo;
  for (const t of temporaries) webgpu.disposeData(t.dataId);
  return result;
}

export const addNWebgpuConfig: KernelConfig = { kernelName: AddN, backendName: 'webgpu', kernelFunc: addNWebgpu as KernelFunc };
