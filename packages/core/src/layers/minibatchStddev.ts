import { add, concat, div, matMul, mean, mul, ones, reshape, sqrt, square, sub, type Tensor2D, type Tensor4D, tidy, tile } from '@tensorflow/tfjs-core';

/**
 * Σ over the rows of x [K, M] → [1, M], as a product with a row of ones. Not sum(x, 0): under
 * wasm, the project routes sums and means over leading axes to an XNNPACK average pool, which
 * corrupts the wasm heap once M reaches 16 384 (a 3×3×128×128 kernel's Σ over 3×3; 8 192 is fine).
 */
export function columnSums(x: Tensor2D): Tensor2D {
  return matMul(ones([1, x.shape[0]]), x);
}

/**
 * Minibatch standard deviation (Karras et al. 2018, Sec. 3; the official MinibatchStdLayer with
 * one channel): samples j, j + N/G, j + 2N/G, … form group j; the population standard deviation
 * of every feature over the group, √(var + ε), averaged over features, is appended as a constant
 * channel. Written with rank-2 products rather than a rank-5 tile, whose gradient tfjs lacks
 * (R1 and WGAN-GP differentiate D's input), and with `columnSums` for the group means.
 */
export function minibatchStddev(x: Tensor4D, groupSize = 4, epsilon = 1e-8): Tensor4D {
  const [n, h, w, c] = x.shape;
  const g = Math.min(groupSize, n);
  if (n % g !== 0) throw new Error(`minibatchStddev: batch size ${n} is not divisible by the group size ${g}`);
  return tidy(() => {
    const grouped = reshape(x, [g, (n / g) * h * w * c]) as Tensor2D;
    // the mean row spread over the group by an outer product: a broadcast would be summed back over the leading axis in the gradient
    const centred = sub(grouped, matMul(ones([g, 1]), div(columnSums(grouped), g))) as Tensor2D;
    const std = sqrt(add(div(columnSums(square(centred) as Tensor2D), g), epsilon));
    const perGroup = mean(reshape(std, [n / g, h * w * c]), 1);
    const perSample = reshape(tile(reshape(perGroup, [1, n / g]), [g, 1]), [n, 1, 1, 1]);
    return concat([x, mul(perSample, ones([1, h, w, 1])) as Tensor4D], 3);
  });
}
