import { tf } from '@ganbench/core';
import { columnSums } from './reduce.js';

/**
 * Minibatch standard deviation (Karras et al. 2018, Sec. 3; official MinibatchStdLayer, one
 * channel): samples j, j + N/G, j + 2N/G, … form group j; the standard deviation of every feature
 * over the group, √(var + 1e-8), averaged over features, is appended as one constant channel.
 * Written with rank-2 products and a broadcasting product rather than @ganbench/core's
 * minibatchStddev, whose rank-5 tile has no gradient in tfjs (R1 and WGAN-GP differentiate D's input)
 * and whose mean over the group axis hits the wasm leading-axis reduction (see columnSums).
 */
export function minibatchStddev(x: tf.Tensor4D, groupSize: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const g = Math.min(groupSize, n);
  if (n % g !== 0) throw new Error(`minibatchStddev: batch size ${n} is not divisible by the group size ${g}`);
  return tf.tidy(() => {
    const grouped = tf.reshape(x, [g, (n / g) * h * w * c]) as tf.Tensor2D;
    // the mean row spread over the group by an outer product: a broadcast would be summed back over the leading axis in the gradient
    const centred = tf.sub(grouped, tf.matMul(tf.ones([g, 1]), tf.div(columnSums(grouped), g))) as tf.Tensor2D;
    const std = tf.sqrt(tf.add(tf.div(columnSums(tf.square(centred)), g), 1e-8));
    const perGroup = tf.mean(tf.reshape(std, [n / g, h * w * c]), 1);
    const perSample = tf.reshape(tf.tile(tf.reshape(perGroup, [1, n / g]), [g, 1]), [n, 1, 1, 1]);
    return tf.concat([x, tf.mul(perSample, tf.ones([1, h, w, 1])) as tf.Tensor4D], 3);
  });
}
