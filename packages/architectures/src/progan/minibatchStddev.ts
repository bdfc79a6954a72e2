import { tf } from '@ganbench/core';

/**
 * Minibatch standard deviation (Karras et al. 2018, Sec. 3): per group of `groupSize` samples
 * (sample n in group n mod N/G, the official reshape to [G, N/G, …]) the standard deviation of
 * every feature, averaged to one number and appended as a constant channel. Written on rank ≤ 4
 * tensors: core's minibatchStddev tiles a rank-5 tensor, whose gradient tfjs does not implement.
 */
export function minibatchStddevChannel(x: tf.Tensor, groupSize: number, epsilon = 1e-8): tf.Tensor4D {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const g = Math.min(groupSize, n);
  if (n % g !== 0) throw new Error(`progan: batch size ${n} is not divisible by minibatchGroupSize ${g}`);
  return tf.tidy(() => {
    const grouped = tf.reshape(x, [g, n / g, h * w * c]);
    const centered = tf.sub(grouped, tf.mean(grouped, 0, true));
    const std = tf.sqrt(tf.add(tf.mean(tf.square(centered), 0), epsilon));
    const perGroup = tf.mean(std, 1);
    const perSample = tf.reshape(tf.tile(tf.reshape(perGroup, [1, n / g]), [g, 1]), [n, 1, 1, 1]);
    return tf.concat([x, tf.tile(perSample, [1, h, w, 1])], 3) as tf.Tensor4D;
  });
}
