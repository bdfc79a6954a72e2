import { type Rng, tf } from '@ganbench/core';
import type { RegularizerDefinition } from '../types.js';

/** σ_t: σ, or with annealing σ·max(0, 1 − t/T) (linearly to zero over T steps). */
export function annealedSigma(sigma: number, annealSteps: number, step: number): number {
  return annealSteps > 0 ? sigma * Math.max(0, 1 - step / annealSteps) : sigma;
}

/** Sønderby et al. 2017; Arjovsky & Bottou 2017: x + σ_t·N(0, I) on every input the discriminator sees. */
export function addInstanceNoise(x: tf.Tensor, rng: Rng, sigma: number): tf.Tensor {
  return sigma === 0 ? tf.clone(x) : tf.tidy(() => tf.add(x, tf.mul(sigma, rng.normalTensor(x.shape))));
}

export const instanceNoise: RegularizerDefinition = {
  name: 'instance-noise',
  kind: 'input-noise',
  description: 'adds Gaussian noise to real and fake inputs of D, optionally annealed linearly to zero',
  reference: 'Sønderby et al. 2017, Amortised MAP Inference for Image Super-resolution, Sec. 3.2; Arjovsky & Bottou 2017',
  params: {
    sigma: { type: 'number', description: 'noise standard deviation σ', default: 0.1, min: 0 },
    annealSteps: { type: 'integer', description: 'steps over which σ falls linearly to 0 (0: constant)', default: 0, min: 0 },
  },
  create: (p) => ({
    kind: 'input-noise',
    perturb: (x, rng, step) => addInstanceNoise(x, rng, annealedSigma(p.sigma as number, p.annealSteps as number, step)),
  }),
};
