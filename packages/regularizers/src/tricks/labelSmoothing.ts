import { tf } from '@ganbench/core';
import type { RegularizerDefinition } from '../types.js';

/** Salimans et al. 2016, Sec. 3.4 (one-sided): −E[ℓ log σ(r) + (1−ℓ) log(1−σ(r))] − E log(1−σ(f)). */
export function labelSmoothedDiscriminatorLoss(real: tf.Tensor, fake: tf.Tensor, realLabel: number): tf.Scalar {
  return tf.tidy(() => {
    const realTerm = tf.add(tf.mul(realLabel, tf.softplus(tf.neg(real))), tf.mul(1 - realLabel, tf.softplus(real)));
    return tf.add(tf.mean(realTerm), tf.mean(tf.softplus(fake))) as tf.Scalar;
  });
}

/** The losses whose discriminator is a sigmoid cross-entropy, the only ones label smoothing applies to. */
export const SMOOTHABLE_LOSSES = ['minimax', 'non-saturating'] as const;

export const labelSmoothing: RegularizerDefinition = {
  name: 'label-smoothing',
  kind: 'label-smoothing',
  description: `one-sided: the real target of D's cross-entropy becomes ℓ (losses: ${SMOOTHABLE_LOSSES.join(', ')})`,
  reference: 'Salimans et al. 2016, Improved Techniques for Training GANs, Sec. 3.4',
  params: { realLabel: { type: 'number', description: 'target ℓ for real data', default: 0.9, min: 0.5, max: 1 } },
  create: (p) => ({
    kind: 'label-smoothing',
    realLabel: p.realLabel as number,
    discriminatorLoss: (real, fake) => labelSmoothedDiscriminatorLoss(real, fake, p.realLabel as number),
  }),
};
