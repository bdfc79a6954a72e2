import { type ParamStore, type Rng, stopGradient, tf, type WeightTransform } from '@ganbench/core';
import type { RegularizerDefinition } from '../types.js';

function l2Normalize(x: tf.Tensor): tf.Tensor {
  return tf.div(x, tf.add(tf.norm(x), 1e-12));
}

/** A weight as the matrix whose top singular value is normalized: [K, out], K = in (dense) or kh·kw·in (conv). */
export function weightMatrix(weight: tf.Tensor): tf.Tensor2D {
  return tf.reshape(weight, [-1, weight.shape[weight.rank - 1] as number]);
}

/**
 * Miyato et al. 2018, Algorithm 1: `iterations` power-iteration steps from the persistent u give
 * v = M u/‖M u‖, u = Mᵀv/‖Mᵀv‖ and σ(W) ≈ vᵀ M u; returns W/σ and the new u.
 */
export function spectralNormalize(weight: tf.Tensor, u: tf.Tensor, iterations: number): { normalized: tf.Tensor; u: tf.Tensor; sigma: tf.Scalar } {
  return tf.tidy(() => {
    const m = weightMatrix(weight);
    let uk = tf.reshape(u, [-1, 1]);
    let vk: tf.Tensor = tf.zeros([m.shape[0], 1]);
    for (let i = 0; i < iterations; i++) {
      vk = l2Normalize(tf.matMul(m, uk));
      uk = l2Normalize(tf.matMul(m, vk, true, false));
    }
    // The power-iteration vectors are constants to backprop (Miyato et al. 2018, Sec. 2.1).
    const sigma = tf.sum(tf.mul(stopGradient(vk), tf.matMul(m, stopGradient(uk)))) as tf.Scalar;
    return { normalized: tf.div(weight, sigma), u: tf.reshape(uk, [-1]), sigma };
  });
}

/** The state key of a weight's u: saved with the network's parameters, never trained. */
export const spectralNormStateName = (weightName: string) => `${weightName}/sn_u`;

/** A WeightTransform for the layers; in training mode each forward pass advances u by the power iteration. */
export function spectralNormTransform(params: ParamStore, iterations: number, options: { training: boolean; rng: Rng }): WeightTransform {
  return (weight, name) => {
    const stateName = spectralNormStateName(name);
    if (!params.has(stateName)) {
      const out = weight.shape[weight.rank - 1] as number;
      const u0 = tf.tidy(() => l2Normalize(options.rng.fork(stateName).normalTensor([out])));
      params.create(stateName, u0, { trainable: false });
      u0.dispose();
    }
    const state = params.get(stateName);
    const { normalized, u, sigma } = spectralNormalize(weight, state, iterations);
    if (options.training) state.assign(u);
    tf.dispose([u, sigma]);
    return normalized;
  };
}

export const spectralNorm: RegularizerDefinition = {
  name: 'spectral-norm',
  kind: 'reparametrization',
  description: 'divides each discriminator weight by its largest singular value, estimated by power iteration with a persistent u per layer',
  reference: 'Miyato et al. 2018, Spectral Normalization for GANs, Algorithm 1',
  params: { iterations: { type: 'integer', description: 'power-iteration steps per forward pass', default: 1, min: 1 } },
  create: (p) => ({
    kind: 'reparametrization',
    weightTransform: (params, options) => spectralNormTransform(params, p.iterations as number, options),
  }),
};
