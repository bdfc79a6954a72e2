import { neg, softplus, type Tensor, tidy } from '@tensorflow/tfjs-core';

/** log σ(x) = −softplus(−x). tf.logSigmoid uses customGrad, which has no second derivative. */
export function logSigmoid<T extends Tensor>(x: T): T {
  return tidy(() => neg(softplus(neg(x)))) as T;
}
