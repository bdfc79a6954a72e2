import { type Rng, tf } from '@ganbench/core';
import { applyBlits } from '../augmentations/ada.js';
import { randTranslation } from '../augmentations/diffAugment.js';
import type { PenaltyContext, RegularizerDefinition } from '../types.js';

/**
 * bCR's T(x) (Zhao et al. 2021, after Zhang et al. 2020's CR-GAN: flipping and translation): each image flipped
 * left–right with probability ½ (ADA's pixel blit with only the flip), then DiffAugment's translation by up to 1/8 with
 * zero padding. Draws: N flips rng.int(2), then the translation's shifts. Differentiable in x.
 */
export function bcrAugment(x: tf.Tensor4D, rng: Rng): tf.Tensor4D {
  const flips = Array.from({ length: x.shape[0] }, () => rng.int(2) === 1);
  return tf.tidy(() =>
    randTranslation(
      applyBlits(
        x,
        flips.map((flip) => ({ flip, rotations: 0, shiftRows: 0, shiftColumns: 0 })),
      ),
      rng,
    ),
  );
}

/** E‖D(x) − D(T(x))‖² over the batch, D's logits [N]; both sides carry D's gradient, as in the paper. */
function consistency(discriminator: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, rng: Rng): tf.Scalar {
  if (x.rank !== 4) throw new Error(`bcr: augments images [N, H, W, C]; got a tensor of shape [${x.shape.join(', ')}]`);
  return tf.tidy(() => tf.mean(tf.square(tf.sub(discriminator(x), discriminator(bcrAugment(x as tf.Tensor4D, rng))))) as tf.Scalar);
}

/**
 * Balanced consistency regularization (Zhao et al. 2021, Eq. 1–2):
 * λ_real·E‖D(x) − D(T(x))‖² + λ_fake·E‖D(G(z)) − D(T(G(z)))‖², reals augmented first, then fakes, from the context's rng.
 * A side with λ = 0 is skipped (no forward pass, no draws).
 */
export function bcrPenalty(context: PenaltyContext, lambdaReal: number, lambdaFake: number): tf.Scalar {
  return tf.tidy(() => {
    const terms: tf.Tensor[] = [];
    if (lambdaReal > 0) terms.push(tf.mul(lambdaReal, consistency(context.discriminator, context.real, context.rng)));
    if (lambdaFake > 0) terms.push(tf.mul(lambdaFake, consistency(context.discriminator, context.fake, context.rng)));
    if (terms.length === 0) return tf.scalar(0);
    return (terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Scalar;
  });
}

const LAMBDA = (side: string) =>
  ({ type: 'number', description: `weight λ_${side} of the consistency term on ${side} data (the paper's 10)`, default: 10, min: 0 }) as const;

export const bcr: RegularizerDefinition = {
  name: 'bcr',
  kind: 'penalty',
  description: 'balanced consistency regularization: D(x) ≈ D(T(x)) on real and fake images, T a random flip and translation (image datasets only)',
  reference: 'Zhao et al. 2021, Improved Consistency Regularization for GANs (bCR)',
  params: { lambdaReal: LAMBDA('real'), lambdaFake: LAMBDA('fake') },
  create: (p) => ({ kind: 'penalty', images: true, penalty: (context) => bcrPenalty(context, p.lambdaReal as number, p.lambdaFake as number) }),
};
