import { tf } from '@ganbench/core';
import type { LossDefinition } from '../types.js';

function squaredDistance(x: tf.Tensor, target: number): tf.Scalar {
  return tf.mul(0.5, tf.mean(tf.square(tf.sub(x, target))));
}

/** Mao et al. 2017, Eq. 2: ½E(D(x) − b)² + ½E(D(G(z)) − a)². */
export function leastSquaresDiscriminatorLoss(real: tf.Tensor, fake: tf.Tensor, a = 0, b = 1): tf.Scalar {
  return tf.tidy(() => tf.add(squaredDistance(real, b), squaredDistance(fake, a)));
}

/** Mao et al. 2017, Eq. 2: ½E(D(G(z)) − c)². */
export function leastSquaresGeneratorLoss(fake: tf.Tensor, c = 1): tf.Scalar {
  return tf.tidy(() => squaredDistance(fake, c));
}

export const leastSquares: LossDefinition = {
  name: 'least-squares',
  description: 'LSGAN on the raw discriminator output (a = fake target, b = real target, c = what G wants D to say)',
  reference: 'Mao et al. 2017, Least Squares GANs, Eq. 2',
  params: {
    a: { type: 'number', description: 'target for fake data in the D loss', default: 0 },
    b: { type: 'number', description: 'target for real data in the D loss', default: 1 },
    c: { type: 'number', description: 'target for fake data in the G loss', default: 1 },
    sigmoid: { type: 'boolean', description: 'apply a sigmoid to the output first, as compare_gan does', default: false },
  },
  create: (params) => {
    const { a, b, c, sigmoid } = params as { a: number; b: number; c: number; sigmoid: boolean };
    const output = (logits: tf.Tensor) => (sigmoid ? tf.sigmoid(logits) : logits);
    return {
      discriminatorLoss: (real, fake) => tf.tidy(() => leastSquaresDiscriminatorLoss(output(real), output(fake), a, b)),
      generatorLoss: (fake) => tf.tidy(() => leastSquaresGeneratorLoss(output(fake), c)),
    };
  },
};
