import { tf } from '@ganbench/core';
import type { LossDefinition } from '../types.js';

/**
 * The energy of a logit: softplus(−v) ≥ 0, low on real data as the logit convention asks, so any
 * discriminator plugs in; an autoencoder discriminator that returns its reconstruction error sets
 * `rawEnergy` and passes the energy itself.
 */
export function energyOfLogit(v: tf.Tensor): tf.Tensor {
  return tf.softplus(tf.neg(v));
}

/** Zhao, Mathieu, LeCun 2017, Eq. 1: E[E(x)] + E[max(0, m − E(G(z)))]. */
export function energyBasedDiscriminatorLoss(realEnergy: tf.Tensor, fakeEnergy: tf.Tensor, margin: number): tf.Scalar {
  return tf.tidy(() => tf.add(tf.mean(realEnergy), tf.mean(tf.relu(tf.sub(margin, fakeEnergy)))));
}

/** Zhao, Mathieu, LeCun 2017, Eq. 2: E[E(G(z))]. */
export function energyBasedGeneratorLoss(fakeEnergy: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(fakeEnergy));
}

export const energyBased: LossDefinition = {
  name: 'energy-based',
  description: 'EBGAN: D assigns low energy to real data and at least the margin m to fakes',
  reference: 'Zhao, Mathieu, LeCun 2017, Energy-based GAN, Eqs. 1–2',
  params: {
    margin: { type: 'number', description: 'margin m on the energy of fake data', default: 1, min: 0, exclusiveMin: true },
    rawEnergy: { type: 'boolean', description: 'the discriminator output is the energy itself (not a logit)', default: false },
  },
  create: (params) => {
    const energy = (output: tf.Tensor) => (params.rawEnergy ? output : energyOfLogit(output));
    const margin = params.margin as number;
    return {
      discriminatorLoss: (real, fake) => tf.tidy(() => energyBasedDiscriminatorLoss(energy(real), energy(fake), margin)),
      generatorLoss: (fake) => tf.tidy(() => energyBasedGeneratorLoss(energy(fake))),
    };
  },
};
