import { tf } from '@ganbench/core';
import type { LossDefinition } from '../types.js';
import { wassersteinGeneratorLoss } from './wasserstein.js';

/** Lim & Ye 2017, Eq. 5; Miyato et al. 2018, Eq. 16: E max(0, 1 − real) + E max(0, 1 + fake). */
export function hingeDiscriminatorLoss(real: tf.Tensor, fake: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.add(tf.mean(tf.relu(tf.sub(1, real))), tf.mean(tf.relu(tf.add(1, fake)))));
}

export const hinge: LossDefinition = {
  name: 'hinge',
  description: 'margin loss for D, −E D(G(z)) for G (SN-GAN, SAGAN, BigGAN)',
  reference: 'Lim & Ye 2017, Geometric GAN; Miyato et al. 2018, Eq. 16',
  params: {},
  create: () => ({ discriminatorLoss: hingeDiscriminatorLoss, generatorLoss: wassersteinGeneratorLoss }),
};
