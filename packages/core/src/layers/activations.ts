import { type Tensor, leakyRelu as tfLeakyRelu } from '@tensorflow/tfjs-core';

/** max(x, αx) for α < 1; α = 0.2 as in DCGAN's discriminator. On wasm, the op and its gradient are one SIMD pass each (kernels/wasm/LeakyRelu.ts). */
export function leakyRelu<T extends Tensor>(x: T, alpha = 0.2): T {
  return tfLeakyRelu(x, alpha);
}
