import { tf } from '@ganbench/core';
import type { PenaltyContext, RegularizerDefinition } from '../types.js';
import { inputGradients, perSampleSquaredNorm } from './inputGradients.js';
import { LAZY_INTERVAL, lazily } from './lazy.js';

/** Mescheder, Geiger, Nowozin 2018, Eq. 9: γ/2·E_{p_D}‖∇D(x)‖². */
export function r1Penalty(context: PenaltyContext, gamma: number): tf.Scalar {
  return tf.tidy(() => tf.mul(gamma / 2, tf.mean(perSampleSquaredNorm(inputGradients(context.discriminator, context.real)))) as tf.Scalar);
}

/** Mescheder, Geiger, Nowozin 2018, Eq. 10: γ/2·E_{p_θ}‖∇D(x)‖². */
export function r2Penalty(context: PenaltyContext, gamma: number): tf.Scalar {
  return tf.tidy(() => tf.mul(gamma / 2, tf.mean(perSampleSquaredNorm(inputGradients(context.discriminator, context.fake)))) as tf.Scalar);
}

const GAMMA = { type: 'number', description: 'penalty weight γ (no default: the right γ depends on the data)', min: 0, exclusiveMin: true } as const;

export const r1: RegularizerDefinition = {
  name: 'r1',
  kind: 'penalty',
  description: 'R1: penalizes the gradient of D on real data; makes the Dirac-GAN locally convergent',
  reference: 'Mescheder, Geiger, Nowozin 2018, Which Training Methods for GANs do actually Converge?, Eq. 9',
  params: { gamma: GAMMA, every: LAZY_INTERVAL },
  create: (p) => ({ kind: 'penalty', penalty: lazily(p.every as number, (context, scale) => r1Penalty(context, scale * (p.gamma as number))) }),
};

export const r2: RegularizerDefinition = {
  name: 'r2',
  kind: 'penalty',
  description: 'R2: penalizes the gradient of D on generated data',
  reference: 'Mescheder, Geiger, Nowozin 2018, Eq. 10',
  params: { gamma: GAMMA, every: LAZY_INTERVAL },
  create: (p) => ({ kind: 'penalty', penalty: lazily(p.every as number, (context, scale) => r2Penalty(context, scale * (p.gamma as number))) }),
};
