import { tf } from '@ganbench/core';
import type { LossDefinition } from '../types.js';

/** E_i softplus(b_i − a_i) = −E_i log σ(a_i − b_i), over pairs (a_i, b_i) of the same index. */
function pairedSoftplus(a: tf.Tensor, b: tf.Tensor, role: string): tf.Scalar {
  if (a.size !== b.size) {
    throw new Error(`relativistic-pairing ${role}: real and fake batches must pair up one to one; got ${a.size} and ${b.size} logits`);
  }
  return tf.mean(tf.softplus(tf.sub(tf.reshape(b, [-1]), tf.reshape(a, [-1])))) as tf.Scalar;
}

/** RpGAN (RSGAN of Jolicoeur-Martineau 2019; R3GAN's loss, Huang et al. 2024, with f = softplus): L_D = E_i softplus(D(fake_i) − D(real_i)). */
export function relativisticPairingDiscriminatorLoss(real: tf.Tensor, fake: tf.Tensor): tf.Scalar {
  return tf.tidy(() => pairedSoftplus(real, fake, 'discriminator loss'));
}

/** RpGAN generator (Jolicoeur-Martineau 2019; Huang et al. 2024): L_G = E_i softplus(D(real_i) − D(fake_i)). */
export function relativisticPairingGeneratorLoss(fake: tf.Tensor, real: tf.Tensor): tf.Scalar {
  return tf.tidy(() => pairedSoftplus(fake, real, 'generator loss'));
}

export const relativisticPairing: LossDefinition = {
  name: 'relativistic-pairing',
  description:
    'RpGAN / RSGAN: D judges whether each real sample is more realistic than the fake of the same index; G the reverse (R3GAN pairs it with R1 + R2)',
  reference: 'Jolicoeur-Martineau 2019, The relativistic discriminator (RSGAN); Huang et al. 2024, The GAN is dead; long live the GAN! (R3GAN, RpGAN)',
  params: {},
  create: () => ({ discriminatorLoss: relativisticPairingDiscriminatorLoss, generatorLoss: relativisticPairingGeneratorLoss }),
};
