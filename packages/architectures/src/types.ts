import type { ParamStore, Rng, tf, WeightOptions } from '@ganbench/core';

/** What a forward pass is told: train or eval mode (batch norm, spectral-norm power iteration) and an optional weight transform. */
export type NetworkOptions = WeightOptions & { training: boolean };

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
}

/** One option of an architecture; every option has a default so `ganbench list architectures` can show a complete network. */
export interface ArchitectureOptionSpec {
  type: 'integer' | 'number' | 'boolean' | 'string';
  description: string;
  default: number | string | boolean;
  min?: number;
  /** min is exclusive: the value must be > min. */
  exclusiveMin?: boolean;
  max?: number;
  /** The only values accepted; every string option has them. */
  allowed?: readonly (number | string)[];
}

export type ArchitectureOptionSpecs = Readonly<Record<string, ArchitectureOptionSpec>>;

/** Options with defaults filled in and every value checked. */
export type ArchitectureOptions = Readonly<Record<string, number | string | boolean>>;

/** What an architecture is built for, besides its own options. */
export interface ArchitectureContext {
  /** One data point's shape: [dim] for points, [height, width, channels] (NHWC) for images. */
  dataShape: readonly number[];
  /** The training regularizer's name, when known, so a conflicting combination fails before any work. */
  regularizer?: string;
}

export interface ArchitectureDefinition {
  /** Lowercase letters, digits and dashes: what a study's YAML names. */
  name: string;
  /** The paper (and code) the network follows. */
  paper: string;
  description: string;
  options: ArchitectureOptionSpecs;
  /** Initializes both networks from `rng`; `options` are resolved (see resolveArchitectureOptions). */
  build(options: ArchitectureOptions, context: ArchitectureContext, rng: Rng): GanNetworks;
}
