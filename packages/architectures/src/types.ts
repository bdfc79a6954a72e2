import type { OptionSpecs, OptionValues, ParamStore, Rng, tf, WeightOptions } from '@ganbench/core';

/**
 * What a forward pass is told: train or eval mode (batch norm, spectral-norm power iteration), an
 * optional weight transform, and how far training is (generator steps completed), for networks
 * whose shape follows a schedule (ProGAN's growing and fade-in). Absent `step`: fully trained.
 */
export type NetworkOptions = WeightOptions & {
  training: boolean;
  step?: number;
  /** Draws of the forward pass itself (StyleGAN2's noise inputs and style mixing); the trainer passes a checkpointed stream. */
  rng?: Rng;
};

/** What a generator-side regularizer sees: the step (for lazy evaluation) and a random stream. */
export interface GeneratorPenaltyContext {
  /** Generator steps completed before this one. */
  step: number;
  rng: Rng;
}

/**
 * A generator and a discriminator as pure functions of their parameters, with the parameters.
 * The same shape as @ganbench/train's GanModel, so a built architecture is handed to the trainer as is.
 */
export interface GanNetworks {
  generatorParams: ParamStore;
  discriminatorParams: ParamStore;
  latentDim: number;
  /** z [N, latentDim] → samples [N, ...dataShape]. */
  generate(params: ParamStore, z: tf.Tensor, options: NetworkOptions): tf.Tensor;
  /** Logits [N], high on real data. */
  discriminate(params: ParamStore, x: tf.Tensor, options: NetworkOptions): tf.Tensor;
  /** D's features [N, F] of a batch, the layer feature matching compares (Salimans et al. 2016): the input of its last linear layer. */
  features?(params: ParamStore, x: tf.Tensor, options: NetworkOptions): tf.Tensor;
  /**
   * A regularizer of the generator added to its loss (StyleGAN2's path-length penalty), or null on
   * steps it skips. State it keeps (a running mean) lives in generatorParams as non-trainable
   * parameters, so checkpoints carry it.
   */
  generatorPenalty?(params: ParamStore, z: tf.Tensor, context: GeneratorPenaltyContext): tf.Scalar | null;
}

/** The training an architecture's paper recommends; `ganbench list architectures` shows it and studies can copy it. */
export interface RecommendedTraining {
  loss: { name: string; params: OptionValues };
  regularizer: { name: string; params: OptionValues };
  optimizer?: { name: 'adam'; lr: number; beta1: number; beta2: number };
  discriminatorOptimizer?: { name: 'adam'; lr: number; beta1: number; beta2: number };
}

/** What an architecture is built for, besides its own options. */
export interface ArchitectureContext {
  /** One data point's shape: [dim] for points, [height, width, channels] (NHWC) for images. */
  dataShape: readonly number[];
  /** The discriminator's normalization (none, batch, layer, spectral), so a combination the architecture cannot take fails before any work; absent: none. */
  normalization?: string;
}

export interface ArchitectureDefinition {
  /** Lowercase letters, digits and dashes: what a study's YAML names. */
  name: string;
  /** The paper (and code) the network follows. */
  paper: string;
  description: string;
  /** Every option has a default (registerArchitecture checks), so `ganbench list architectures` shows a complete network. */
  options: OptionSpecs;
  recommended?: RecommendedTraining;
  /**
   * The normalizations of the discriminator it takes (Kurach et al.'s axis): `batch` and `layer` it must
   * insert itself, `spectral` it takes when every D weight goes through the weight transform. Absent:
   * none and spectral (DEFAULT_NORMALIZATIONS).
   */
  normalizations?: readonly string[];
  /** Its networks expose D's features (GanNetworks.features), so a loss that reads them (feature matching) is allowed; validation checks this before any work. */
  features?: boolean;
  /** Its D's logit is −energy, an energy ≥ 0 (the autoencoder's reconstruction error), so a loss that reads it as one (began, energy-based with rawEnergy) is allowed. */
  energy?: boolean;
  /** What `build` checks before it allocates anything (options against the data shape and the regularizer), so a study can be validated without tensors. */
  check(options: OptionValues, context: ArchitectureContext): void;
  /** Initializes both networks from `rng`; `options` are resolved (see resolveArchitectureOptions). */
  build(options: OptionValues, context: ArchitectureContext, rng: Rng): GanNetworks;
}
