import { tf } from '@ganbench/core';
import type { LossDefinition } from '../types.js';

/** −E_a log σ(a − E b) − E_b log(1 − σ(b − E a)) = E softplus(−(a − E b)) + E softplus(b − E a). */
function relativisticPairLoss(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.add(tf.mean(tf.softplus(tf.neg(tf.sub(a, tf.mean(b))))), tf.mean(tf.softplus(tf.sub(b, tf.mean(a)))));
}

/** Jolicoeur-Martineau 2019, RaSGAN (Eq. 11): real should look more real than the average fake. */
export function relativisticAverageDiscriminatorLoss(real: tf.Tensor, fake: tf.Tensor): tf.Scalar {
  return tf.tidy(() => relativisticPairLoss(real, fake));
}

/** Jolicoeur-Martineau 2019, RaSGAN (Eq. 12): the same game with the roles of real and fake swapped. */
export function relativisticAverageGeneratorLoss(fake: tf.Tensor, real: tf.Tensor): tf.Scalar {
  return tf.tidy(() => relativisticPairLoss(fake, real));
}

export const relativisticAverage: LossDefinition = {
  name: 'relativistic-average',
  description: 'RaSGAN, non-saturating: D judges whether real data is more realistic than the average fake; G uses real logits too',
  reference: 'Jolicoeur-Martineau 2019, The relativistic discriminator, Eqs. 11–12',
  params: {},
  create: () => ({ discriminatorLoss: relativisticAverageDiscriminatorLoss, generatorLoss: relativisticAverageGeneratorLoss }),
};
