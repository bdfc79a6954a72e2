import { tf } from '@ganbench/core';
import type { LossContext, LossDefinition } from '../types.js';

/**
 * The energy of a logit, low on real data as the logit convention asks: softplus(−v) ≥ 0, so any discriminator
 * plugs in. An autoencoder discriminator returns logit = −energy (its reconstruction error): `rawEnergy` reads
 * the energy back as −v (negativeLogitEnergy).
 */
export function energyOfLogit(v: tf.Tensor): tf.Tensor {
  return tf.softplus(tf.neg(v));
}

/** The energy of a discriminator whose logit is −energy (the autoencoder architecture): −v. */
export function negativeLogitEnergy(v: tf.Tensor): tf.Tensor {
  return tf.neg(v);
}

/** Zhao, Mathieu, LeCun 2017, Eq. 1: E[E(x)] + E[max(0, m − E(G(z)))]. */
export function energyBasedDiscriminatorLoss(realEnergy: tf.Tensor, fakeEnergy: tf.Tensor, margin: number): tf.Scalar {
  return tf.tidy(() => tf.add(tf.mean(realEnergy), tf.mean(tf.relu(tf.sub(margin, fakeEnergy)))));
}

/** Zhao, Mathieu, LeCun 2017, Eq. 2: E[E(G(z))]. */
export function energyBasedGeneratorLoss(fakeEnergy: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(fakeEnergy));
}

/**
 * Zhao, Mathieu, LeCun 2017, Eq. 4, the pull-away term on embeddings S [N, F]: 1/(N(N−1)) Σ_i Σ_{j≠i} (S_iᵀS_j / (‖S_i‖‖S_j‖))²,
 * the mean squared cosine between distinct samples (0 when they are orthogonal, 1 when all point one way).
 */
export function pullAwayTerm(embeddings: tf.Tensor): tf.Scalar {
  const n = embeddings.shape[0] as number;
  if (embeddings.rank !== 2 || n < 2)
    throw new Error(`energy-based pull-away term: embeddings of shape [${embeddings.shape}] are not allowed; must be [N, F] with N ≥ 2 (pairs of samples)`);
  return tf.tidy(() => {
    // The small constant keeps a zero embedding's cosine (and its gradient) finite.
    const unit = tf.mul(embeddings, tf.rsqrt(tf.add(tf.sum(tf.square(embeddings), 1, true), 1e-12)));
    const cosines = tf.matMul(unit, unit, false, true);
    // Σ_{j≠i}: every squared cosine less the diagonal's (each 1 up to the constant).
    const offDiagonal = tf.sub(tf.sum(tf.square(cosines)), tf.sum(tf.square(tf.sum(tf.square(unit), 1))));
    return tf.div(offDiagonal, n * (n - 1)) as tf.Scalar;
  });
}

/** G's loss with the pull-away term on the fake batch's embeddings (D's features), weighted λ_PT. */
function withPullAway(loss: tf.Scalar, weight: number, context: LossContext | undefined): tf.Scalar {
  if (weight === 0) return loss;
  if (context?.features === undefined)
    throw new Error(`loss energy-based.pullAway: ${weight} needs the discriminator's features (the embedding of an autoencoder D), and none were given`);
  const features = context.features;
  return tf.tidy(() => tf.add(loss, tf.mul(weight, pullAwayTerm(features(context.fake)))) as tf.Scalar);
}

export const energyBased: LossDefinition = {
  name: 'energy-based',
  description:
    "EBGAN: D assigns low energy to real data and at least the margin m to fakes; energy softplus(−logit) for any D, or −logit (rawEnergy) for the autoencoder's reconstruction error; optional pull-away term on D's embeddings of the fakes",
  reference: 'Zhao, Mathieu, LeCun 2017, Energy-based GAN, Eqs. 1, 2 and 4',
  params: {
    margin: {
      type: 'number',
      description:
        'margin m on the energy of fake data, on the energy’s scale: 1 suits softplus(−logit) and the autoencoder’s per-pixel mean squared error of data in [−1, 1] (the paper tunes m per dataset for its summed errors)',
      default: 1,
      min: 0,
      exclusiveMin: true,
    },
    rawEnergy: {
      type: 'boolean',
      description: 'the logit is −energy, as the autoencoder architecture returns it, so energy = −logit; false: energy = softplus(−logit), for any D',
      default: false,
    },
    pullAway: {
      type: 'number',
      description:
        "weight λ_PT of the pull-away term on D's embeddings of the fake batch, added to G's loss (paper: 0.1); 0: off. Needs an architecture with features",
      default: 0,
      min: 0,
    },
  },
  create: (params) => {
    const energy = params.rawEnergy ? negativeLogitEnergy : energyOfLogit;
    const margin = params.margin as number;
    const pullAway = params.pullAway as number;
    return {
      discriminatorLoss: (real, fake) => tf.tidy(() => energyBasedDiscriminatorLoss(energy(real), energy(fake), margin)),
      generatorLoss: (fake, _real, context) => tf.tidy(() => withPullAway(energyBasedGeneratorLoss(energy(fake)), pullAway, context)),
      ...(pullAway > 0 && { needsFeatures: true }),
      ...(params.rawEnergy === true && { needsEnergy: true }),
    };
  },
};
