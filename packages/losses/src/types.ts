import type { CarriedState, CarriedValues, OptionSpecs, OptionValues, TensorOps, tf } from '@ganbench/core';

export type { TensorOps };

/**
 * What a loss may see besides the logits, for losses that are not functions of the logits alone: the batches D
 * was shown (loss-sensitive GAN's margin Δ(x, G(z))), D's intermediate features (feature matching, EBGAN's
 * pull-away term) and the loss's carried scalars (BEGAN's k_t). On D's step the fake batch is a constant; on G's
 * step it carries G's gradient.
 */
export interface LossContext {
  real: tf.Tensor;
  fake: tf.Tensor;
  /** This loss's carried scalars by key (empty when it carries none). */
  state: CarriedValues;
  /** D's features [N, F] of a batch, the layer its architecture exposes; absent when it exposes none. */
  features?(x: tf.Tensor): tf.Tensor;
}

/** Means over the batch of discriminator logits (high on real data). */
export interface LossFunctions {
  discriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor, context?: LossContext): tf.Scalar;
  generatorLoss(fakeLogits: tf.Tensor, realLogits: tf.Tensor, context?: LossContext): tf.Scalar;
  /** Scalars carried across discriminator steps (BEGAN's k_t), checkpointed and logged by the trainer. */
  carried?: CarriedState;
  /** It reads `context.features`: refused before any work with an architecture that exposes none. */
  needsFeatures?: boolean;
  /** It reads −logit as an energy ≥ 0 (BEGAN's L, EBGAN's reconstruction error): refused before any work with an architecture whose D is not an autoencoder. */
  needsEnergy?: boolean;
}

/**
 * A registry entry: what `ganbench list losses` shows and how to build the function pair.
 * `create` receives the TensorFlow.js namespace so a plugin outside the workspace needs no imports.
 */
export interface LossDefinition {
  name: string;
  description: string;
  reference: string;
  params: OptionSpecs;
  create(params: OptionValues, ops: TensorOps): LossFunctions;
}

/** A loss with its hyperparameters bound. */
export interface GanLoss extends LossFunctions {
  name: string;
  params: OptionValues;
}
