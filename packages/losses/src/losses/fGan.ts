import { tf } from '@ganbench/core';
import type { LossDefinition } from '../types.js';

/**
 * Exponents are capped here so that float32 means over a batch stay finite for any logit
 * (e^50 ≈ 5·10²¹); past the cap the loss is flat in that logit.
 */
export const EXPONENT_CAP = 50;

const cappedExp = (x: tf.Tensor) => tf.exp(tf.minimum(x, EXPONENT_CAP));

/** An f-divergence as f-GAN trains it: T = g_f(v) on the logit v, and f*(g_f(v)) in a stable closed form. */
export interface FDivergence {
  name: string;
  title: string;
  /** g_f: the output activation mapping a logit into dom f*. */
  activation(v: tf.Tensor): tf.Tensor;
  /** f*(g_f(v)), simplified so that no intermediate overflows. */
  conjugateOfActivation(v: tf.Tensor): tf.Tensor;
}

/** Nowozin, Cseke, Tomioka 2016, Table 2 (activations) and Table 6 (conjugates). */
export const F_DIVERGENCES: readonly FDivergence[] = [
  // KL: g(v) = v, f*(t) = e^{t−1}
  { name: 'f-kl', title: 'Kullback–Leibler', activation: (v) => v, conjugateOfActivation: (v) => cappedExp(tf.sub(v, 1)) },
  // reverse KL: g(v) = −e^{−v}, f*(t) = −1 − log(−t), so f*(g(v)) = v − 1
  { name: 'f-reverse-kl', title: 'reverse Kullback–Leibler', activation: (v) => tf.neg(cappedExp(tf.neg(v))), conjugateOfActivation: (v) => tf.sub(v, 1) },
  // Jensen–Shannon: g(v) = log 2 − log(1 + e^{−v}), f*(t) = −log(2 − e^t), so f*(g(v)) = softplus(v) − log 2
  {
    name: 'f-js',
    title: 'Jensen–Shannon (f(u) = u log u − (u+1) log((u+1)/2), i.e. 2·JSD)',
    activation: (v) => tf.sub(Math.LN2, tf.softplus(tf.neg(v))),
    conjugateOfActivation: (v) => tf.sub(tf.softplus(v), Math.LN2),
  },
  // Pearson χ²: g(v) = v, f*(t) = t²/4 + t
  { name: 'f-pearson', title: 'Pearson χ²', activation: (v) => v, conjugateOfActivation: (v) => tf.add(tf.div(tf.square(v), 4), v) },
  // squared Hellinger: g(v) = 1 − e^{−v}, f*(t) = t/(1 − t), so f*(g(v)) = e^v − 1
  {
    name: 'f-hellinger',
    title: 'squared Hellinger',
    activation: (v) => tf.sub(1, cappedExp(tf.neg(v))),
    conjugateOfActivation: (v) => tf.sub(cappedExp(v), 1),
  },
];

/** Nowozin et al. 2016, Eq. 6: D maximizes E_P[g_f(v)] − E_Q[f*(g_f(v))]; as a loss, its negative. */
export function fGanDiscriminatorLoss(divergence: FDivergence, real: tf.Tensor, fake: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.sub(tf.mean(divergence.conjugateOfActivation(fake)), tf.mean(divergence.activation(real))));
}

/** Nowozin et al. 2016, Eq. 6: G minimizes the same bound, whose G-dependent term is −E_Q[f*(g_f(v))]; or, with `alternative`, −E_Q[g_f(v)] (their Sec. 3.2). */
export function fGanGeneratorLoss(divergence: FDivergence, fake: tf.Tensor, alternative: boolean): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(alternative ? divergence.activation(fake) : divergence.conjugateOfActivation(fake)) as tf.Scalar));
}

export const fGanLosses: LossDefinition[] = F_DIVERGENCES.map((divergence) => ({
  name: divergence.name,
  description: `f-GAN with the ${divergence.title} divergence`,
  reference: 'Nowozin, Cseke, Tomioka 2016, f-GAN, Eq. 6 and Tables 2 and 6',
  params: {
    alternative: { type: 'boolean', description: 'generator maximizes E g_f(D(G(z))) instead of the saddle-point objective', default: false },
  },
  create: (params) => ({
    discriminatorLoss: (real, fake) => fGanDiscriminatorLoss(divergence, real, fake),
    generatorLoss: (fake) => fGanGeneratorLoss(divergence, fake, params.alternative as boolean),
  }),
}));
