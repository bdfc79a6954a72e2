import { tf } from '@ganbench/core';
import type { PenaltyContext, RegularizerDefinition } from '../types.js';
import { inputGradients, perSampleNorm, perSampleUniform } from './inputGradients.js';
import { LAZY_INTERVAL, lazily } from './lazy.js';

/**
 * Gulrajani et al. 2017, Eq. 3: λ·E(‖∇D(x̂)‖₂ − t)², x̂ = εx + (1−ε)G(z), ε ~ U[0,1]; one-sided: λ·E max(0, ‖∇D(x̂)‖ − t)².
 * With drift > 0, Karras et al. 2018 (App. A.1)'s ε-drift term drift·E[D(x_real)²] keeps the critic's output near 0.
 */
export function wganGpPenalty(context: PenaltyContext, lambda: number, target: number, oneSided: boolean, drift = 0): tf.Scalar {
  return tf.tidy(() => {
    const { real, fake, rng } = context;
    const eps = perSampleUniform(real, rng);
    const interpolated = tf.add(tf.mul(eps, real), tf.mul(tf.sub(1, eps), fake));
    const excess = tf.sub(perSampleNorm(inputGradients(context.discriminator, interpolated)), target);
    const penalty = tf.mul(lambda, tf.mean(tf.square(oneSided ? tf.relu(excess) : excess))) as tf.Scalar;
    return drift === 0 ? penalty : (tf.add(penalty, tf.mul(drift, tf.mean(tf.square(context.discriminator(real))))) as tf.Scalar);
  });
}

export const gradientPenalty: RegularizerDefinition = {
  name: 'gradient-penalty',
  kind: 'penalty',
  description: 'WGAN-GP: pushes the gradient norm of D towards the target on lines between real and fake samples',
  reference: 'Gulrajani et al. 2017, Improved Training of Wasserstein GANs, Eq. 3; ε-drift: Karras et al. 2018, Progressive Growing of GANs, App. A.1',
  params: {
    lambda: { type: 'number', description: 'penalty weight λ', default: 10, min: 0 },
    target: { type: 'number', description: 'target gradient norm', default: 1, min: 0 },
    oneSided: { type: 'boolean', description: 'penalize only norms above the target: max(0, ‖∇‖ − t)²', default: false },
    drift: {
      type: 'number',
      description: "ε-drift weight: adds drift·E[D(x_real)²] to keep the critic's output near 0 (Karras et al. 2018, App. A.1: 0.001)",
      default: 0,
      min: 0,
    },
    every: LAZY_INTERVAL,
  },
  create: (p) => ({
    kind: 'penalty',
    penalty: lazily(p.every as number, (context, scale) =>
      wganGpPenalty(context, scale * (p.lambda as number), p.target as number, p.oneSided as boolean, scale * (p.drift as number)),
    ),
  }),
};
