import { stopGradient, tf } from '@ganbench/core';
import type { LossContext, LossDefinition } from '../types.js';

/**
 * The loss L_θ(x) = softplus(−D(x)) ≥ 0, low on real data. The paper's L_θ is a non-negative loss (the author's
 * lsgan.lua ends D with a ReLU): with L_θ = −logit the term E L_θ(x) would fall without bound as D's bias grows,
 * since a shift of L_θ leaves the hinge unchanged. Where L_θ is large it is −logit.
 */
export function lossOfLogit(v: tf.Tensor): tf.Tensor {
  return tf.softplus(tf.neg(v));
}

/** Qi 2017's margin Δ(x, G(z)) = τ‖x − G(z)‖₁ per pair, summed over every dimension as lsgan.lua's PairwiseDistance(1); [N]. */
export function lossSensitiveMargin(real: tf.Tensor, fake: tf.Tensor, scale: number): tf.Tensor1D {
  if (real.shape.join(',') !== fake.shape.join(','))
    throw new Error(`loss-sensitive: real and fake batches must pair up one to one with the same shape; got [${real.shape}] and [${fake.shape}]`);
  return tf.tidy(() =>
    tf.mul(tf.sum(tf.abs(tf.sub(tf.reshape(real, [real.shape[0] as number, -1]), tf.reshape(fake, [fake.shape[0] as number, -1]))), 1), scale),
  );
}

/** Qi 2017, the loss function's objective (min over θ): E L_θ(x) + λ E(Δ(x, G(z)) + L_θ(x) − L_θ(G(z)))₊, over pairs of the same index; Δ [N] is a constant. */
export function lossSensitiveDiscriminatorLoss(realLoss: tf.Tensor, fakeLoss: tf.Tensor, margin: tf.Tensor, lambda: number): tf.Scalar {
  if (realLoss.size !== fakeLoss.size || margin.size !== realLoss.size)
    throw new Error(
      `loss-sensitive discriminator loss: real, fake and margin must pair up one to one; got ${realLoss.size}, ${fakeLoss.size} and ${margin.size} values`,
    );
  return tf.tidy(() => {
    const hinge = tf.relu(tf.add(stopGradient(tf.reshape(margin, [-1])), tf.sub(tf.reshape(realLoss, [-1]), tf.reshape(fakeLoss, [-1]))));
    return tf.add(tf.mean(realLoss), tf.mul(lambda, tf.mean(hinge))) as tf.Scalar;
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
    'LS-GAN: D learns a loss L = softplus(−logit) that is lower on each real sample than on its paired fake by at least the margin τ‖x − G(z)‖₁; G minimizes the loss of its samples. Pair it with a Lipschitz penalty (gradient-penalty, or weight decay as the paper)',
  reference: 'Qi 2017, Loss-Sensitive Generative Adversarial Networks on Lipschitz Densities; margin and its scale as the author’s lsgan.lua',
  params: {
    lambda: { type: 'number', description: 'λ, the weight of the hinge term against E L(x) in D’s loss', default: 1, min: 0, exclusiveMin: true },
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
    return {
      discriminatorLoss: (real, fake, context) => {
        const shown = batches(context);
        return tf.tidy(() => lossSensitiveDiscriminatorLoss(lossOfLogit(real), lossOfLogit(fake), lossSensitiveMargin(shown.real, shown.fake, scale), lambda));
      },
      generatorLoss: (fake) => tf.tidy(() => lossSensitiveGeneratorLoss(lossOfLogit(fake))),
    };
  },
};
