import { ParamStore, tf } from '@ganbench/core';
import type { GanModel } from '../ganTrainer.js';

/** The Dirac-GAN as a model: G(z) = θ for every z, D(x) = ψ·x with ψ a 1×1 matrix (so spectral norm applies). */
export function diracModel(theta: number, psi: number): GanModel {
  const generatorParams = new ParamStore();
  generatorParams.create('theta', tf.scalar(theta));
  const discriminatorParams = new ParamStore();
  discriminatorParams.create('psi', tf.tensor2d([[psi]]));
  return {
    generatorParams,
    discriminatorParams,
    latentDim: 1,
    generate: (p, z) => tf.add(tf.mul(z, 0), p.get('theta')),
    discriminate: (p, x, options) => {
      const w = options.weightTransform === undefined ? p.get('psi') : options.weightTransform(p.get('psi'), 'psi');
      return tf.reshape(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), [-1]);
    },
  };
}
