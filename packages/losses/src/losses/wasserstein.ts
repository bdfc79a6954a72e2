import { tf } from '@ganbench/core';
import type { LossDefinition } from '../types.js';

/** Arjovsky et al. 2017, Eq. 3: the critic maximizes E D(x) − E D(G(z)); as a loss, E fake − E real. */
export function wassersteinDiscriminatorLoss(real: tf.Tensor, fake: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.sub(tf.mean(fake), tf.mean(real)));
}

/** Arjovsky et al. 2017: G minimizes −E D(G(z)). */
export function wassersteinGeneratorLoss(fake: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(fake) as tf.Scalar));
}

export const wasserstein: LossDefinition = {
  name: 'wasserstein',
  description: 'Kantorovich–Rubinstein dual of W₁; needs a Lipschitz critic (weight-clipping, gradient-penalty or spectral-norm)',
  reference: 'Arjovsky, Chintala, Bottou 2017, Wasserstein GAN, Eq. 3',
  params: {},
  create: () => ({ discriminatorLoss: wassersteinDiscriminatorLoss, generatorLoss: wassersteinGeneratorLoss }),
};
