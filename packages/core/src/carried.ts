import type * as tf from '@tensorflow/tfjs-core';

/** A method's carried scalars by key, as the trainer holds them on the device. */
export type CarriedValues = Readonly<Record<string, tf.Scalar>>;

/** What a discriminator step shows a method that carries state: its logits on the step's batches (constants here). */
export interface CarriedObservation {
  realLogits: tf.Tensor;
  fakeLogits: tf.Tensor;
  /** Discriminator steps taken before this one (0-based). */
  step: number;
}

/**
 * Scalars a loss or regularizer carries from one discriminator step to the next (ADA's p, LeCam's anchors,
 * BEGAN's k_t). The trainer keeps them on the device (no read inside a step), checkpoints them bit for bit,
 * hands them to the method's functions, and logs them after each step as `<method>.<key>`.
 */
export interface CarriedState {
  /** Each carried scalar's value before the first step. */
  initial: Readonly<Record<string, number>>;
  /**
   * Called after D's loss on each discriminator step: the carried values for the next step, from this step's
   * logits. Keys outside `initial` are logged, not carried (BEGAN's convergence measure).
   */
  update(state: CarriedValues, observed: CarriedObservation): Record<string, tf.Tensor>;
}
