import { add, concat, mean, mul, ones, reshape, sqrt, square, sub, type Tensor2D, type Tensor4D, tidy, tile } from '@tensorflow/tfjs-core';

/**
 * Minibatch standard deviation (Karras et al. 2018, Sec. 3; the official MinibatchStdLayer with
 * one channel): samples j, j + N/G, j + 2N/G, … form group j; the population standard deviation
 * of every feature over the group, √(var + ε), averaged over features, is appended as a constant
 * channel. Written on rank-2 tensors rather than with a rank-5 tile, whose gradient tfjs lacks
 * (R1 and WGAN-GP differentiate D's input).
 */
export function minibatchStddev(x: Tensor4D, groupSize = 4, epsilon = 1e-8): Tensor4D {
  const [n, h, w, c] = x.shape;
  const g = Math.min(groupSize, n);
  if (n % g !== 0) throw new Error(`minibatchStddev: batch size ${n} is not divisible by the group size ${g}`);
  return tidy(() => {
    const grouped = reshape(x, [g, (n / g) * h * w * c]) as Tensor2D;
    const centred = sub(grouped, mean(grouped, 0, true));
    const std = sqrt(add(mean(square(centred), 0), epsilon));
    const perGroup = mean(reshape(std, [n / g, h * w * c]), 1);
    const perSample = reshape(tile(reshape(perGroup, [1, n / g]), [g, 1]), [n, 1, 1, 1]);
    return concat([x, mul(perSample, ones([1, h, w, 1])) as Tensor4D], 3);
  });
}
