import { tf } from '@ganbench/core';

/**
 * Σ over the rows of x [K, M] → [1, M], as a product with a row of ones. Not tf.sum(x, 0): under
 * wasm, @ganbench/core routes sums and means over leading axes to an XNNPACK average pool, which
 * corrupts the wasm heap once M reaches 16 384 (a 3×3×128×128 kernel's Σ over 3×3; 8 192 is fine).
 */
export function columnSums(x: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(tf.ones([1, x.shape[0]]), x);
}
