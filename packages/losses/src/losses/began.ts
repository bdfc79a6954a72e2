import { type CarriedValues, tf } from '@ganbench/core';
import type { LossDefinition } from '../types.js';

/** k_0 = 0 (Berthelot et al. 2017, Sec. 3.4): D starts by only reconstructing real data. */
export const BEGAN_INITIAL_K = 0;

/** Berthelot et al. 2017, Eq. 4, with L(v) = −logit, the autoencoder's reconstruction error: L_D = L(x) − k_t·L(G(z)). */
export function beganDiscriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor, k: tf.Scalar | number): tf.Scalar {
  return tf.tidy(() => tf.sub(tf.neg(tf.mean(realLogits)), tf.mul(k, tf.neg(tf.mean(fakeLogits)))));
}

/** Berthelot et al. 2017, Eq. 4: L_G = L(G(z)). */
export function beganGeneratorLoss(fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(fakeLogits)) as tf.Scalar);
}

/**
 * Berthelot et al. 2017, Eq. 4 and Sec. 3.4.1: k_{t+1} = clip(k_t + λ_k(γL(x) − L(G(z))), 0, 1) and the convergence
 * measure M_global = L(x) + |γL(x) − L(G(z))|, from the step's energies.
 */
export function beganUpdate(
  k: tf.Scalar | number,
  realLogits: tf.Tensor,
  fakeLogits: tf.Tensor,
  gamma: number,
  lambdaK: number,
): { k: tf.Scalar; convergence: tf.Scalar } {
  return tf.tidy(() => {
    const real = tf.neg(tf.mean(realLogits));
    const balance = tf.sub(tf.mul(gamma, real), tf.neg(tf.mean(fakeLogits)));
    return {
      k: tf.clipByValue(tf.add(k, tf.mul(lambdaK, balance)), 0, 1) as tf.Scalar,
      convergence: tf.add(real, tf.abs(balance)) as tf.Scalar,
    };
  });
}

/** k_t as the trainer carries it; k_0 for a caller that carries nothing (a test, a toy without state). */
const kOf = (state: CarriedValues | undefined): tf.Scalar | number => state?.k ?? BEGAN_INITIAL_K;

export const began: LossDefinition = {
  name: 'began',
  description:
    "BEGAN: D (an autoencoder, logit = −energy) matches the energies' ratio E[L(G(z))]/E[L(x)] to γ through k_t; logs began.k and the convergence measure began.convergence",
  reference: 'Berthelot, Schumm, Metz 2017, BEGAN: Boundary Equilibrium GANs, Eq. 4 and Sec. 3.4.1',
  params: {
    gamma: {
      type: 'number',
      description: "diversity ratio γ = E[L(G(z))]/E[L(x)] the equilibrium aims at (the paper's figures: 0.3 to 0.7)",
      default: 0.5,
      min: 0,
      exclusiveMin: true,
      max: 1,
    },
    lambdaK: { type: 'number', description: 'proportional gain λ_k of k_t (paper: 0.001)', default: 0.001, min: 0 },
  },
  create: (params) => {
    const gamma = params.gamma as number;
    const lambdaK = params.lambdaK as number;
    return {
      discriminatorLoss: (real, fake, context) => beganDiscriminatorLoss(real, fake, kOf(context?.state)),
      generatorLoss: (fake) => beganGeneratorLoss(fake),
      needsEnergy: true,
      carried: {
        initial: { k: BEGAN_INITIAL_K },
        update: (state, { realLogits, fakeLogits }) => beganUpdate(kOf(state), realLogits, fakeLogits, gamma, lambdaK),
      },
    };
  },
};
