import { type Rng, tf } from '@ganbench/core';

/** ∇ₓ D(x) for each sample of the batch (samples are independent, so the gradient of Σ D is per-sample). */
export function inputGradients(discriminator: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): tf.Tensor {
  return tf.grad((input: tf.Tensor) => tf.sum(discriminator(input)))(x);
}

/** ‖g‖₂ per sample over every non-batch axis; the 1e-12 keeps the square root differentiable at 0. */
export function perSampleNorm(g: tf.Tensor): tf.Tensor {
  return tf.sqrt(tf.add(perSampleSquaredNorm(g), 1e-12));
}

export function perSampleSquaredNorm(g: tf.Tensor): tf.Tensor {
  const axes = Array.from({ length: g.rank - 1 }, (_, i) => i + 1);
  return axes.length === 0 ? tf.square(g) : tf.sum(tf.square(g), axes);
}

/** U[0,1] of shape [N, 1, …, 1] to broadcast one draw per sample. */
export function perSampleUniform(x: tf.Tensor, rng: Rng): tf.Tensor {
  return rng.uniformTensor([x.shape[0] as number, ...Array.from({ length: x.rank - 1 }, () => 1)]);
}
