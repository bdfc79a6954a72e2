import { type OptionSpecs, ParamStore, resolveOptions } from '@ganbench/core';
import { IMAGE_CHANNELS, IMAGE_RESOLUTIONS, type ImageChannels, type ImageResolution } from '../dcgan/imageShape.js';
import type { ArchitectureDefinition, RecommendedTraining } from '../types.js';
import {
  type AutoencoderConfig,
  type AutoencoderData,
  autoencoderDiscriminator,
  autoencoderEmbedding,
  autoencoderGenerator,
  initAutoencoderDiscriminator,
  initAutoencoderGenerator,
  RECONSTRUCTION_NORMS,
  type ReconstructionNorm,
} from './autoencoder.js';

export const AUTOENCODER_OPTIONS: OptionSpecs = {
  latentDim: { type: 'integer', description: 'dimension of z ~ N(0, I) (BEGAN: N_z = 64)', default: 64, min: 1 },
  embedding: {
    type: 'integer',
    description:
      "size of D's embedding h between encoder and decoder, what `features` returns; 0: BEGAN's h = 64 on images, D − 1 on D-dimensional points (a bottleneck: with h ≥ D the autoencoder can learn the identity and give every point zero energy)",
    default: 0,
    min: 0,
  },
  width: {
    type: 'integer',
    description:
      "images: channels of D's first stride-2 convolution, doubled at each (and of G's and the decoder's last); points: units of each of the 2 hidden layers",
    default: 64,
    min: 1,
  },
  reconstruction: {
    type: 'string',
    description:
      "D's energy, per sample, as a mean over pixels: l1, |Dec(Enc(x)) − x| (BEGAN, η = 1), or mse, (Dec(Enc(x)) − x)² (EBGAN's squared norm); the logit is −energy",
    default: 'l1',
    allowed: [...RECONSTRUCTION_NORMS],
  },
};

/**
 * Berthelot et al. 2017, Sec. 4.1: BEGAN with γ = 0.5 and λ_k = 0.001; Adam at lr 1e-4 for both (the paper decays it when
 * the convergence measure stalls, which a fixed-lr study does not); β₁ = 0.5 as the authors' reference implementations.
 */
export const AUTOENCODER_RECOMMENDED: RecommendedTraining = {
  loss: { name: 'began', params: { gamma: 0.5, lambdaK: 0.001 } },
  regularizer: { name: 'none', params: {} },
  optimizer: { name: 'adam', lr: 1e-4, beta1: 0.5, beta2: 0.999 },
  discriminatorOptimizer: { name: 'adam', lr: 1e-4, beta1: 0.5, beta2: 0.999 },
};

/** Images [R, R, C] (R ∈ 28, 32, 64; C ∈ 1, 3) or points [D]; anything else fails naming the shape. */
function autoencoderData(dataShape: readonly number[]): AutoencoderData {
  const [a, b, c] = dataShape;
  if (dataShape.length === 1 && Number.isInteger(a) && (a as number) >= 1) return { kind: 'points', dim: a as number };
  if (
    dataShape.length === 3 &&
    a === b &&
    (IMAGE_RESOLUTIONS as readonly number[]).includes(a as number) &&
    (IMAGE_CHANNELS as readonly number[]).includes(c as number)
  )
    return { kind: 'images', resolution: a as ImageResolution, channels: c as ImageChannels };
  throw new Error(
    `architecture autoencoder: dataShape [${dataShape.join(', ')}] is not allowed; must be [D] (points) or [R, R, C] (NHWC images) with R one of ${IMAGE_RESOLUTIONS.join(', ')} and C one of ${IMAGE_CHANNELS.join(', ')}`,
  );
}

/** BEGAN's h = 64 on images; on points one less than their dimension, so D cannot reconstruct every point by passing it through. */
export const defaultEmbedding = (data: AutoencoderData): number => (data.kind === 'images' ? 64 : Math.max(1, data.dim - 1));

/** An AutoencoderConfig from (unresolved) options and a data shape; errors name the option or the shape. */
export function resolveAutoencoderConfig(given: Readonly<Record<string, unknown>>, dataShape: readonly number[]): AutoencoderConfig {
  const data = autoencoderData(dataShape);
  const o = resolveOptions('architecture autoencoder', AUTOENCODER_OPTIONS, given);
  return {
    data,
    latentDim: o.latentDim as number,
    embedding: (o.embedding as number) > 0 ? (o.embedding as number) : defaultEmbedding(data),
    width: o.width as number,
    reconstruction: o.reconstruction as ReconstructionNorm,
  };
}

export const autoencoderArchitecture: ArchitectureDefinition = {
  name: 'autoencoder',
  paper:
    'Zhao, Mathieu, LeCun 2017, Energy-based GAN (the autoencoder discriminator, Sec. 2.3); Berthelot, Schumm, Metz 2017, BEGAN (G shaped like the decoder, ELU, Sec. 3.5)',
  description:
    'D: encoder (images: 4×4 stride-2 convs doubling channels, ELU → dense; points: 2 dense ELU layers → dense) → embedding h → decoder shaped like G → reconstruction; ' +
    'logit = −energy, the per-sample mean of |x − D(x)| (l1) or (x − D(x))² (mse); features: h. G: z → dense → ELU → 4×4 stride-2 transposed convs halving channels, ELU → tanh (points: 2 dense ELU layers → linear). For the energy-based (rawEnergy) and began losses',
  options: AUTOENCODER_OPTIONS,
  recommended: AUTOENCODER_RECOMMENDED,
  // D's output is a reconstruction error, not a linear read-out a normalization was designed for.
  normalizations: ['none'],
  // The embedding h: what EBGAN's pull-away term (and feature matching) reads.
  features: true,
  energy: true,
  check(options, context) {
    resolveAutoencoderConfig(options, context.dataShape);
  },
  build(options, context, rng) {
    const config = resolveAutoencoderConfig(options, context.dataShape);
    const generatorParams = new ParamStore();
    initAutoencoderGenerator(generatorParams, 'g', config, rng.fork('generator-init'));
    const discriminatorParams = new ParamStore();
    initAutoencoderDiscriminator(discriminatorParams, 'd', config, rng.fork('discriminator-init'));
    return {
      generatorParams,
      discriminatorParams,
      latentDim: config.latentDim,
      generate: (params, z, o) => autoencoderGenerator(params, 'g', z, config, o),
      discriminate: (params, x, o) => autoencoderDiscriminator(params, 'd', x, config, o),
      features: (params, x, o) => autoencoderEmbedding(params, 'd', x, config, o),
    };
  },
};
