import type { CarriedState, CarriedValues, OptionSpecs, OptionValues, ParamStore, Rng, TensorOps, tf, WeightTransform } from '@ganbench/core';

export type { TensorOps };

/** What a penalty sees on a discriminator step; fake data is already a constant (no path to G). */
export interface PenaltyContext {
  /** Logits [N] for a batch; the weights it closes over are what the penalty's gradient reaches. */
  discriminator(x: tf.Tensor): tf.Tensor;
  real: tf.Tensor;
  fake: tf.Tensor;
  rng: Rng;
  /** Discriminator steps taken so far (0-based), for lazy regularization and annealing. */
  step: number;
  /** D's logits on `real` and `fake` this step (LeCam's penalty is a function of them). */
  realLogits: tf.Tensor;
  fakeLogits: tf.Tensor;
  /** This penalty's carried scalars by key (empty when it carries none). */
  state: CarriedValues;
  /** G and the step's latents, where the caller has a generator (the trainer; not the Dirac-GAN): zCR perturbs them. */
  generator?: GeneratorAccess;
}

/** G on a batch of latents, and the step's latents with G's output on them (before any augmentation). */
export interface GeneratorAccess {
  /** G(z) for latents [N, latentDim]: differentiable in G's weights on G's step; on D's step only D's weights are trained. */
  generate(z: tf.Tensor): tf.Tensor;
  latents: tf.Tensor;
  generated: tf.Tensor;
}

/** What a penalty's generator-side term sees on G's step: G, its latents and output, D (its weights held), the stream. */
export interface GeneratorPenaltyContext extends GeneratorAccess {
  discriminator(x: tf.Tensor): tf.Tensor;
  rng: Rng;
  /** Generator steps taken before this one (0-based). */
  step: number;
}

/** Added to the discriminator loss; returns null on the steps a lazy penalty skips. */
export interface Penalty {
  kind: 'penalty';
  /** It augments images [N, H, W, C] itself (bCR): refused, like an augmentation, on data that are not images. */
  images?: boolean;
  penalty(context: PenaltyContext): tf.Scalar | null;
  /** Scalars carried across discriminator steps (LeCam's anchors), checkpointed and logged by the trainer. */
  carried?: CarriedState;
  /** It needs the generator (`PenaltyContext.generator`, zCR): refused where there is none (the Dirac-GAN). */
  needsGenerator?: boolean;
  /** A term added to G's loss on each generator step (zCR's −λ_gen·E‖G(z) − G(z + Δz)‖²); null on the steps it skips. */
  generatorPenalty?(context: GeneratorPenaltyContext): tf.Scalar | null;
}

/** Applied to the discriminator's variables after each of its steps. */
export interface Constraint {
  kind: 'constraint';
  apply(variables: readonly tf.Variable[]): void;
}

/** Used when a network is built: every weight goes through the transform on each forward pass. */
export interface Reparametrization {
  kind: 'reparametrization';
  /** State (spectral norm's u) lives in `params` as non-trainable entries, so checkpoints carry it. */
  weightTransform(params: ParamStore, options: { training: boolean; rng: Rng }): WeightTransform;
}

/** Perturbs what the discriminator sees, real and fake alike (instance noise). */
export interface InputNoise {
  kind: 'input-noise';
  perturb(x: tf.Tensor, rng: Rng, step: number): tf.Tensor;
}

/**
 * Transforms the images D sees, real and fake alike, on both players' steps and differentiably (the generator's
 * gradient flows through it), drawing its randomness from the stream it is given (DiffAugment). Needs image
 * inputs [N, H, W, C]; it runs before any input noise.
 */
export interface Augmentation {
  kind: 'augmentation';
  /** `state`: the augmentation's carried scalars by key (ADA's p; empty when it carries none). */
  augment(x: tf.Tensor, rng: Rng, step: number, state: CarriedValues): tf.Tensor;
  /** Scalars carried across discriminator steps (ADA's p), checkpointed and logged by the trainer. */
  carried?: CarriedState;
}

/** Softens the real target of a sigmoid cross-entropy discriminator loss. */
export interface LabelSmoothing {
  kind: 'label-smoothing';
  realLabel: number;
  /** D loss −E[ℓ log σ(real) + (1−ℓ) log(1−σ(real))] − E log(1−σ(fake)). */
  discriminatorLoss(real: tf.Tensor, fake: tf.Tensor): tf.Scalar;
}

export type Regularizer = Penalty | Constraint | Reparametrization | InputNoise | Augmentation | LabelSmoothing;
export type RegularizerKind = Regularizer['kind'];

export interface RegularizerDefinition {
  name: string;
  kind: RegularizerKind;
  description: string;
  reference: string;
  params: OptionSpecs;
  create(params: OptionValues, ops: TensorOps): Regularizer;
}

/** A regularizer with its hyperparameters bound. */
export type BoundRegularizer = Regularizer & { name: string; params: OptionValues };

/** A penalty's context from D and the batches alone: the logits computed here, no carried state (tests, the Dirac-GAN). */
export function penaltyContext(base: Omit<PenaltyContext, 'realLogits' | 'fakeLogits' | 'state'>): PenaltyContext {
  return { ...base, realLogits: base.discriminator(base.real), fakeLogits: base.discriminator(base.fake), state: {} };
}
