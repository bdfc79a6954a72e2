import { type OptionSpecs, ParamStore, resolveOptions } from '@ganbench/core';
import type { ArchitectureDefinition } from '../types.js';
import { type DcganConfig, dcganDiscriminator, dcganFeatures, dcganGenerator, initDcganDiscriminator, initDcganGenerator } from './dcgan.js';
import { imageShape } from './imageShape.js';
import {
  initSndcganDiscriminator,
  initSndcganGenerator,
  SNDCGAN_SPECTRAL_NORM_CONFLICT,
  type SndcganConfig,
  sndcganDiscriminator,
  sndcganFeatures,
  sndcganGenerator,
} from './sndcgan.js';

const latentDim = { type: 'integer', description: 'dimension of z ~ N(0, I)', default: 128, min: 1 } as const;
const width = {
  type: 'integer',
  description: "channels of G's last hidden layer and D's first, doubled at each stride-2 step (64 in the papers)",
  default: 64,
  min: 1,
} as const;
const minibatchKernels = {
  type: 'integer',
  description:
    "minibatch discrimination (Salimans et al. 2016, Sec. 3.2) on D's flattened features before the dense logit: B, its number of kernels; 0: off. Makes D's output depend on the whole batch",
  default: 0,
  min: 0,
} as const;
const minibatchKernelDims = {
  type: 'integer',
  description: "minibatch discrimination's C, the dimension of each kernel's projection (used when minibatchKernels > 0)",
  default: 5,
  min: 1,
} as const;

export const DCGAN_OPTIONS: OptionSpecs = {
  latentDim,
  width,
  kernelSize: {
    type: 'integer',
    description: 'kernel of every (transposed) convolution: 4 as dcgan.torch (symmetric padding at stride 2), 5 as compare_gan',
    default: 4,
    allowed: [4, 5],
  },
  discriminatorBatchNorm: {
    type: 'boolean',
    description:
      "batch norm after each D convolution but the first (Radford et al.), as normalization: batch, which is the name to use; off by default, as penalties on D's input gradient assume per-sample outputs",
    default: false,
  },
  minibatchKernels,
  minibatchKernelDims,
  generatorVirtualBatchNorm: {
    type: 'boolean',
    description:
      "virtual batch norm in G instead of batch norm (Salimans et al. 2016, Sec. 3.4): each sample normalized with a fixed reference batch's statistics and its own, the reference z drawn once from the trial's seed and saved with G",
    default: false,
  },
  virtualBatchSize: {
    type: 'integer',
    description: 'size of the reference batch of virtual batch norm (used when generatorVirtualBatchNorm); G runs it with every batch',
    default: 64,
    min: 1,
  },
};

export const SNDCGAN_OPTIONS: OptionSpecs = {
  latentDim,
  width,
  powerIterations: { type: 'integer', description: 'power-iteration steps per training forward pass of D (Miyato et al.: 1)', default: 1, min: 1 },
  minibatchKernels,
  minibatchKernelDims,
};

/** A DcganConfig from (unresolved) options and a data shape; errors name the option or the shape. */
export function resolveDcganConfig(given: Readonly<Record<string, unknown>>, dataShape: readonly number[], normalization = 'none'): DcganConfig {
  const { resolution, channels } = imageShape('architecture dcgan', dataShape);
  const o = resolveOptions('architecture dcgan', DCGAN_OPTIONS, given);
  // The option predates the normalization axis and says the same as normalization: batch, so it goes with none only.
  if (o.discriminatorBatchNorm === true && normalization !== 'none')
    throw new Error(
      `architecture dcgan.discriminatorBatchNorm: true is not allowed with normalization '${normalization}'; it is normalization batch (write that and drop the option)`,
    );
  return {
    resolution,
    channels,
    latentDim: o.latentDim as number,
    width: o.width as number,
    kernelSize: o.kernelSize as 4 | 5,
    discriminatorBatchNorm: (o.discriminatorBatchNorm as boolean) || normalization === 'batch',
    discriminatorLayerNorm: normalization === 'layer',
    minibatchKernels: o.minibatchKernels as number,
    minibatchKernelDims: o.minibatchKernelDims as number,
    generatorVirtualBatchNorm: o.generatorVirtualBatchNorm as boolean,
    virtualBatchSize: o.virtualBatchSize as number,
  };
}

export function resolveSndcganConfig(given: Readonly<Record<string, unknown>>, dataShape: readonly number[]): SndcganConfig {
  const { resolution, channels } = imageShape('architecture sndcgan', dataShape);
  const o = resolveOptions('architecture sndcgan', SNDCGAN_OPTIONS, given);
  return {
    resolution,
    channels,
    latentDim: o.latentDim as number,
    width: o.width as number,
    powerIterations: o.powerIterations as number,
    minibatchKernels: o.minibatchKernels as number,
    minibatchKernelDims: o.minibatchKernelDims as number,
  };
}

export const dcganArchitecture: ArchitectureDefinition = {
  name: 'dcgan',
  paper: 'Radford, Metz, Chintala 2016, Unsupervised Representation Learning with Deep Convolutional GANs (layout of dcgan.torch; compare_gan dcgan.py)',
  description:
    'G: z → dense → BN, ReLU → stride-2 transposed convs halving channels, BN, ReLU → transposed conv → tanh; D: stride-2 convs doubling channels, leaky ReLU 0.2, optional BN → dense logit; N(0, 0.02²) init; 28, 32 or 64 px, 1 or 3 channels',
  options: DCGAN_OPTIONS,
  normalizations: ['none', 'batch', 'layer', 'spectral'],
  features: true,
  check(options, context) {
    resolveDcganConfig(options, context.dataShape, context.normalization);
  },
  build(options, context, rng) {
    const config = resolveDcganConfig(options, context.dataShape, context.normalization);
    const generatorParams = new ParamStore();
    initDcganGenerator(generatorParams, 'g', config, rng.fork('generator-init'));
    const discriminatorParams = new ParamStore();
    initDcganDiscriminator(discriminatorParams, 'd', config, rng.fork('discriminator-init'));
    return {
      generatorParams,
      discriminatorParams,
      latentDim: config.latentDim,
      generate: (params, z, o) => dcganGenerator(params, 'g', z, config, o),
      discriminate: (params, x, o) => dcganDiscriminator(params, 'd', x, config, o),
      features: (params, x, o) => dcganFeatures(params, 'd', x, config, o),
    };
  },
};

export const sndcganArchitecture: ArchitectureDefinition = {
  name: 'sndcgan',
  paper: 'Miyato, Kataoka, Koyama, Yoshida 2018, Spectral Normalization for GANs, Table 3; as run by Kurach et al. 2019 (compare_gan sndcgan.py)',
  description:
    'G: z → dense → BN, ReLU → 4×4 stride-2 transposed convs, BN, ReLU → 3×3 conv → tanh; D: 3×3 s1 and 4×4 s2 convs, leaky ReLU 0.1 → dense logit, every D weight spectrally normalized by the architecture',
  options: SNDCGAN_OPTIONS,
  // Its discriminator is spectrally normalized by the architecture itself: spectral on top would normalize twice.
  normalizations: ['none'],
  features: true,
  check(options, context) {
    if (context.normalization === 'spectral') throw new Error(SNDCGAN_SPECTRAL_NORM_CONFLICT);
    resolveSndcganConfig(options, context.dataShape);
  },
  build(options, context, rng) {
    sndcganArchitecture.check(options, context);
    const config = resolveSndcganConfig(options, context.dataShape);
    const generatorParams = new ParamStore();
    initSndcganGenerator(generatorParams, 'g', config, rng.fork('generator-init'));
    const discriminatorParams = new ParamStore();
    initSndcganDiscriminator(discriminatorParams, 'd', config, rng.fork('discriminator-init'));
    return {
      generatorParams,
      discriminatorParams,
      latentDim: config.latentDim,
      generate: (params, z, o) => sndcganGenerator(params, 'g', z, config, o),
      discriminate: (params, x, o) => sndcganDiscriminator(params, 'd', x, config, o),
      features: (params, x, o) => sndcganFeatures(params, 'd', x, config, o),
    };
  },
};
