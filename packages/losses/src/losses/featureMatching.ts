import { tf } from '@ganbench/core';
import type { LossContext, LossDefinition } from '../types.js';
import { minimaxDiscriminatorLoss } from './minimax.js';

/** Salimans et al. 2016, Sec. 3.1: ‖E_x f(x) − E_z f(G(z))‖²₂ over D's features f [N, F] of the real and the fake batch. */
export function featureMatchingGeneratorLoss(realFeatures: tf.Tensor, fakeFeatures: tf.Tensor): tf.Scalar {
  if (realFeatures.rank !== 2 || fakeFeatures.rank !== 2 || realFeatures.shape[1] !== fakeFeatures.shape[1])
    throw new Error(
      `feature-matching generator loss: features must be [N, F] for both batches with the same F; got [${realFeatures.shape}] and [${fakeFeatures.shape}]`,
    );
  return tf.tidy(() => tf.sum(tf.square(tf.sub(tf.mean(realFeatures, 0), tf.mean(fakeFeatures, 0)))) as tf.Scalar);
}

function contextFeatures(context: LossContext | undefined): { real: tf.Tensor; fake: tf.Tensor; features: (x: tf.Tensor) => tf.Tensor } {
  if (context === undefined)
    throw new Error("loss 'feature-matching': the generator loss needs the loss context (the batches D saw and D's features); call it through the trainer");
  if (context.features === undefined)
    throw new Error("loss 'feature-matching': the architecture exposes no discriminator features; allowed: an architecture with features (features: true)");
  return { real: context.real, fake: context.fake, features: context.features };
}

export const featureMatching: LossDefinition = {
  name: 'feature-matching',
  description:
    "D: the sigmoid cross-entropy of the minimax game; G matches the mean of D's features (the input of its last linear layer) on fakes to that on real data",
  reference: 'Salimans, Goodfellow, Zaremba, Cheung, Radford, Chen 2016, Improved Techniques for Training GANs, Sec. 3.1',
  params: {},
  create: () => ({
    discriminatorLoss: minimaxDiscriminatorLoss,
    generatorLoss: (_fake, _real, context) => {
      const { features, real, fake } = contextFeatures(context);
      return tf.tidy(() => featureMatchingGeneratorLoss(features(real), features(fake)));
    },
    needsFeatures: true,
  }),
};
