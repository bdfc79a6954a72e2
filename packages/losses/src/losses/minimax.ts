import { tf } from '@ganbench/core';
import type { LossDefinition } from '../types.js';

/** Goodfellow et al. 2014, Eq. 1: D minimizes −E log σ(D(x)) − E log(1 − σ(D(G(z)))), i.e. softplus(−real) + softplus(fake). */
export function minimaxDiscriminatorLoss(real: tf.Tensor, fake: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.add(tf.mean(tf.softplus(tf.neg(real))), tf.mean(tf.softplus(fake))));
}

/** Goodfellow et al. 2014, Eq. 1: G minimizes E log(1 − σ(D(G(z)))) = −E softplus(fake); saturates when D wins. */
export function minimaxGeneratorLoss(fake: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.softplus(fake)) as tf.Scalar));
}

export const minimax: LossDefinition = {
  name: 'minimax',
  description: 'the original two-player game; saturating generator loss log(1 − D(G(z)))',
  reference: 'Goodfellow et al. 2014, Generative Adversarial Nets, Eq. 1',
  params: {},
  create: () => ({ discriminatorLoss: minimaxDiscriminatorLoss, generatorLoss: minimaxGeneratorLoss }),
};
