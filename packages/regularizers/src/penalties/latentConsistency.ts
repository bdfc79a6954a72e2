import { type Rng, tf } from '@ganbench/core';
import type { GeneratorAccess, GeneratorPenaltyContext, PenaltyContext, RegularizerDefinition } from '../types.js';

/* Latent consistency regularization, zCR (Zhao et al. 2021, "Improved Consistency Regularization for GANs", Sec. 3.2). */

/** The paper's σ_noise, λ_dis and λ_gen (Sec. 4). */
export const ZCR_SIGMA = 0.03;
export const ZCR_LAMBDA_DIS = 5;
export const ZCR_LAMBDA_GEN = 0.5;

/** z + Δz, Δz ~ N(0, σ²I), drawn from `rng`. */
function perturbLatents(z: tf.Tensor, rng: Rng, sigma: number): tf.Tensor {
  return tf.tidy(() => tf.add(z, rng.normalTensor(z.shape, 0, sigma)));
}

/** Mean of the squared differences over every element: ‖a − b‖²/dim averaged over the batch (StudioGAN's MSELoss for zCR; for logits, E(a − b)²). */
const meanSquared = (a: tf.Tensor, b: tf.Tensor) => tf.mean(tf.squaredDifference(a, b)) as tf.Scalar;

function access(context: PenaltyContext): GeneratorAccess {
  if (context.generator === undefined) throw new Error("zcr: perturbs G's latents, and this caller has no generator (the trainer has one)");
  return context.generator;
}

/** D's term (Eq. 5): λ_dis·E(D(G(z)) − D(G(z + Δz)))², both sides differentiated in D; G(z) is the step's fake batch before any augmentation. */
export function zcrDiscriminatorPenalty(context: PenaltyContext, lambdaDis: number, sigma: number): tf.Scalar {
  const { generate, latents, generated } = access(context);
  return tf.tidy(
    () =>
      tf.mul(
        lambdaDis,
        meanSquared(context.discriminator(generated), context.discriminator(generate(perturbLatents(latents, context.rng, sigma)))),
      ) as tf.Scalar,
  );
}

/** G's term (Eq. 6): −λ_gen·E‖G(z) − G(z + Δz)‖² (per element), which rewards G for outputs that move with the latent. */
export function zcrGeneratorPenalty(context: GeneratorPenaltyContext, lambdaGen: number, sigma: number): tf.Scalar {
  return tf.tidy(() => tf.mul(-lambdaGen, meanSquared(context.generated, context.generate(perturbLatents(context.latents, context.rng, sigma)))) as tf.Scalar);
}

export const zcr: RegularizerDefinition = {
  name: 'zcr',
  kind: 'penalty',
  description: "latent consistency regularization: D(G(z)) ≈ D(G(z + Δz)) in D's loss, and G's outputs for z and z + Δz pushed apart in G's loss",
  reference: 'Zhao et al. 2021, Improved Consistency Regularization for GANs (zCR)',
  params: {
    lambdaDis: { type: 'number', description: "weight λ_dis of D's consistency term (the paper's 5)", default: ZCR_LAMBDA_DIS, min: 0 },
    lambdaGen: { type: 'number', description: "weight λ_gen of G's diversity term (the paper's 0.5)", default: ZCR_LAMBDA_GEN, min: 0 },
    sigma: {
      type: 'number',
      description: "standard deviation σ_noise of the latent perturbation Δz (the paper's 0.03)",
      default: ZCR_SIGMA,
      min: 0,
      exclusiveMin: true,
    },
  },
  create: (p) => {
    const [lambdaDis, lambdaGen, sigma] = [p.lambdaDis as number, p.lambdaGen as number, p.sigma as number];
    return {
      kind: 'penalty',
      needsGenerator: true,
      penalty: (context) => (lambdaDis > 0 ? zcrDiscriminatorPenalty(context, lambdaDis, sigma) : null),
      generatorPenalty: (context) => (lambdaGen > 0 ? zcrGeneratorPenalty(context, lambdaGen, sigma) : null),
    };
  },
};
