import { tf } from '@ganbench/core';
import type { LossDefinition } from '../types.js';
import { minimaxDiscriminatorLoss } from './minimax.js';

/** Goodfellow et al. 2014, Sec. 3: G minimizes −E log σ(D(G(z))) = E softplus(−fake). */
export function nonSaturatingGeneratorLoss(fake: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.softplus(tf.neg(fake))));
}

export const nonSaturating: LossDefinition = {
  name: 'non-saturating',
  description: 'minimax discriminator; generator maximizes log D(G(z)) (strong gradients early in training)',
  reference: 'Goodfellow et al. 2014, Sec. 3; Fedus et al. 2018',
  params: {},
  create: () => ({ discriminatorLoss: minimaxDiscriminatorLoss, generatorLoss: nonSaturatingGeneratorLoss }),
};
