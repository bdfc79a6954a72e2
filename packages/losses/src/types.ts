import type { OptionSpecs, OptionValues, TensorOps, tf } from '@ganbench/core';

export type { TensorOps };

/** Means over the batch of discriminator logits (high on real data). */
export interface LossFunctions {
  discriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar;
  generatorLoss(fakeLogits: tf.Tensor, realLogits: tf.Tensor): tf.Scalar;
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
