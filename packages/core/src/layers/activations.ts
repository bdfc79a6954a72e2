import { type Tensor, leakyRelu as tfLeakyRelu } from '@tensorflow/tfjs-core';

/** max(x, αx); α = 0.2 as in DCGAN's discriminator. Differentiable twice once the project's comparison-op gradients are registered. */
export function leakyRelu<T extends Tensor>(x: T, alpha = 0.2): T {
  return tfLeakyRelu(x, alpha);
}
