import { clone, customGrad, type Tensor, zerosLike } from '@tensorflow/tfjs-core';

/** Passes x forward and no gradient back (tfjs-core has no such op): a constant to backprop, as PyTorch's detach(). */
export const stopGradient = customGrad(((x: Tensor) => ({ value: clone(x), gradFunc: (dy: Tensor) => zerosLike(dy) })) as Parameters<typeof customGrad>[0]) as <
  T extends Tensor,
>(
  x: T,
) => T;
