import { Identity, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackend } from './wasm_kernel_util.js';

/**
 * Shares the input's data, as tfjs-backend-cpu's Identity does: tensors are immutable and variables
 * swap data ids on assign, so no kernel writes into a shared buffer. tfjs-backend-wasm copies instead,
 * and the engine clones every tensor it saves for backprop: ≈ 250 copies of activations in one WGAN-GP step.
 */
export function identityWasm(args: { inputs: { x: TensorInfo }; backend: Pick<WasmBackend, 'incRef'> }): TensorInfo {
  const { x } = args.inputs;
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const identityWasmConfig: KernelConfig = {
  kernelName: Identity,
  backendName: 'wasm',
  kernelFunc: identityWasm as unknown as KernelConfig['kernelFunc'],
};
