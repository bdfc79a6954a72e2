import { stopGradient, tf } from '@ganbench/core';
import type { LossContext, LossDefinition } from '../types.js';

/**
 * The loss L_θ(x) = −D(x), low on real data: linear in the logit, so neither player's gradient vanishes where a
 * sample is already well separated (the paper's non-vanishing gradient; a softplus of it saturates once L_θ(G(z))
 * nears 0 and leaves D unable to raise it).
 */
export function lossOfLogit(v: tf.Tensor): tf.Tensor {
  return tf.neg(v);
}

/** Qi 2017's margin Δ(x, G(z)) = τ‖x − G(z)‖₁ per pair, summed over every dimension as lsgan.lua's PairwiseDistance(1); [N]. */
export function lossSensitiveMargin(real: tf.Tensor, fake: tf.Tensor, scale: number): tf.Tensor1D {
  if (real.shape.join(',') !== fake.shape.join(','))
    throw new Error(`loss-sensitive: real and fake batches must pair up one to one with the same shape; got [${real.shape}] and [${fake.shape}]`);
  return tf.tidy(() =>
    tf.mul(tf.sum(tf.abs(tf.sub(tf.reshape(real, [real.shape[0] as number, -1]), tf.reshape(fake, [fake.shape[0] as number, -1]))), 1), scale),
  );
}

/**
 * Qi 2017, the loss function's objective (min over θ): γ·E L_θ(x) + λ·E(Δ(x, G(z)) + L_θ(x) − L_θ(G(z)))₊, over pairs
 * of the same index; Δ [N] is a constant. γ = 1 in the paper; 0 in the author's code, which makes it invariant to a shift of L_θ.
 */
export function lossSensitiveDiscriminatorLoss(realLoss: tf.Tensor, fakeLoss: tf.Tensor, margin: tf.Tensor, lambda: number, realLossWeight = 1): tf.Scalar {
  if (realLoss.size !== fakeLoss.size || margin.size !== realLoss.size)
    throw new Error(
      `loss-sensitive discriminator loss: real, fake and margin must pair up one to one; got ${realLoss.size}, ${fakeLoss.size} and ${margin.size} values`,
    );
  return tf.tidy(() => {
    const hinge = tf.relu(tf.add(stopGradient(tf.reshape(margin, [-1])), tf.sub(tf.reshape(realLoss, [-1]), tf.reshape(fakeLoss, [-1]))));
    const weighted = tf.mul(lambda, tf.mean(hinge));
    return (realLossWeight === 0 ? weighted : tf.add(tf.mul(realLossWeight, tf.mean(realLoss)), weighted)) as tf.Scalar;
  });
}

/** Qi 2017, the generator's objective (min over φ): E L_θ(G(z)). */
export function lossSensitiveGeneratorLoss(fakeLoss: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(fakeLoss));
}

function batches(context: LossContext | undefined): { real: tf.Tensor; fake: tf.Tensor } {
  if (context === undefined)
    throw new Error(
      "loss 'loss-sensitive': the discriminator loss needs the loss context (the real and fake batches D saw, for the margin Δ); call it through the trainer",
    );
  return context;
}

export const lossSensitive: LossDefinition = {
  name: 'loss-sensitive',
  description:
    'LS-GAN: D learns a loss L = −logit that is lower on each real sample than on its paired fake by at least the margin τ‖x − G(z)‖₁; G minimizes the loss of its samples. Pair it with a Lipschitz penalty (gradient-penalty; the paper uses weight decay)',
  reference: 'Qi 2017, Loss-Sensitive Generative Adversarial Networks on Lipschitz Densities; margin and its scale as the author’s lsgan.lua',
  params: {
    lambda: { type: 'number', description: 'λ, the weight of the hinge term against E L(x) in D’s loss', default: 1, min: 0, exclusiveMin: true },
    realLossWeight: {
      type: 'number',
      description:
        'γ, the weight of E L(x) in D’s loss: 1 in the paper’s objective; 0 as the author’s lsgan.lua (its gamma), which leaves D’s loss unchanged by a shift of L (with 1 D can lower it without end by raising every logit)',
      default: 1,
      min: 0,
    },
    marginScale: {
      type: 'number',
      description: 'τ in Δ = τ‖x − G(z)‖₁, the L1 distance summed over every dimension (lsgan.lua: 0.0002 for 64×64×3 images)',
      default: 0.0002,
      min: 0,
    },
  },
  create: (params) => {
    const lambda = params.lambda as number;
    const scale = params.marginScale as number;
    const realLossWeight = params.realLossWeight as number;
    return {
      discriminatorLoss: (real, fake, context) => {
        const shown = batches(context);
        return tf.tidy(() =>
          lossSensitiveDiscriminatorLoss(lossOfLogit(real), lossOfLogit(fake), lossSensitiveMargin(shown.real, shown.fake, scale), lambda, realLossWeight),
        );
      },
      generatorLoss: (fake) => tf.tidy(() => lossSensitiveGeneratorLoss(lossOfLogit(fake))),
    };
  },
};
