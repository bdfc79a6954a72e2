import { Cast, type CastAttrs, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { identityWasm } from './Identity.js';
import { runWasmKernel, type WasmBackend } from './wasm_kernel_util.js';

/** A cast to the dtype a tensor already has shares its data (every ReLU gradient casts a float32 step mask to float32). */
export function castWasm(args: { inputs: { x: TensorInfo }; backend: WasmBackend; attrs: CastAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  if (inputs.x.dtype === attrs.dtype) return identityWasm({ inputs, backend });
  return runWasmKernel(backend, Cast, inputs, { ...attrs });
}

export const castWasmConfig: KernelConfig = {
  kernelName: Cast,
  backendName: 'wasm',
  kernelFunc: castWasm as unknown as KernelConfig['kernelFunc'],
};
