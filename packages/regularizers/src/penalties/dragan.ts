import { tf } from '@ganbench/core';
import type { PenaltyContext, RegularizerDefinition } from '../types.js';
import { inputGradients, perSampleNorm, perSampleUniform } from './inputGradients.js';
import { LAZY_INTERVAL, lazily } from './lazy.js';

/**
 * Kodali et al. 2017, Eq. 4: λ·E(‖∇D(x̂)‖₂ − 1)² around real data, x̂ = x + α·δ, δ = C·std(x)·U[0,1]^d,
 * α ~ U[0,1] per sample (the perturbation and interpolation compare_gan's dragan_penalty uses).
 */
export function draganPenalty(context: PenaltyContext, lambda: number, c: number): tf.Scalar {
  return tf.tidy(() => {
    const { real, rng } = context;
    const std = tf.sqrt(tf.moments(real).variance);
    const delta = tf.mul(tf.mul(c, std), rng.uniformTensor(real.shape));
    const alpha = perSampleUniform(real, rng);
    const perturbed = tf.add(real, tf.mul(alpha, delta));
    const excess = tf.sub(perSampleNorm(inputGradients(context.discriminator, perturbed)), 1);
    return tf.mul(lambda, tf.mean(tf.square(excess))) as tf.Scalar;
  });
}

export const dragan: RegularizerDefinition = {
  name: 'dragan',
  kind: 'penalty',
  description: 'DRAGAN: gradient-norm penalty in a noisy neighbourhood of the real data',
  reference: 'Kodali et al. 2017, On Convergence and Stability of GANs, Eq. 4',
  params: {
    lambda: { type: 'number', description: 'penalty weight λ', default: 10, min: 0 },
    c: { type: 'number', description: 'perturbation scale C, in standard deviations of the data', default: 0.5, min: 0 },
    every: LAZY_INTERVAL,
  },
  create: (p) => ({
    kind: 'penalty',
    penalty: lazily(p.every as number, (context, scale) => draganPenalty(context, scale * (p.lambda as number), p.c as number)),
  }),
};
