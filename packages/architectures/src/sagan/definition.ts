import { ParamStore } from '@ganbench/core';
import type { ArchitectureDefinition, RecommendedTraining } from '../types.js';
import { resolveSaganConfig, SAGAN_OPTIONS } from './config.js';
import { initSaganDiscriminator, saganDiscriminator, saganFeatures } from './discriminator.js';
import { initSaganGenerator, saganGenerator } from './generator.js';
import { SAGAN_SPECTRAL_NORM_CONFLICT } from './spectralNorm.js';

/** Zhang et al. 2019, Sec. 4–5: hinge loss, spectral norm in both networks (built in), TTUR with lr_D = 4·lr_G, Adam β = (0, 0.9). */
export const SAGAN_RECOMMENDED: RecommendedTraining = {
  loss: { name: 'hinge', params: {} },
  regularizer: { name: 'none', params: {} },
  optimizer: { name: 'adam', lr: 1e-4, beta1: 0, beta2: 0.9 },
  discriminatorOptimizer: { name: 'adam', lr: 4e-4, beta1: 0, beta2: 0.9 },
};

export const saganArchitecture: ArchitectureDefinition = {
  name: 'sagan',
  paper:
    'Zhang, Goodfellow, Metaxas, Odena 2019, Self-Attention Generative Adversarial Networks (brain-research/self-attention-gan; layouts of BigGAN-PyTorch)',
  description:
    'G: z → SN dense → 4×4 → residual up-blocks (BN, ReLU, nearest 2× upsample, 3×3 convs) → BN, ReLU → 3×3 conv → tanh; D: optimized first block, residual down-blocks (ReLU, 3×3 convs, 2× average pool) → ReLU, sum → dense logit; ' +
    'self-attention (1×1 query/key at C/8, value C/2, softmax over all positions, γ = 0 at start) at the attention resolution in both; spectral norm on every G and D weight; 32, 64 or 128 px, 1 or 3 channels',
  options: SAGAN_OPTIONS,
  features: true,
  recommended: SAGAN_RECOMMENDED,
  // Spectral norm is built into both networks: normalization spectral on top would normalize twice.
  normalizations: ['none'],
  check(options, context) {
    if (context.normalization === 'spectral') throw new Error(SAGAN_SPECTRAL_NORM_CONFLICT);
    resolveSaganConfig(options, context.dataShape);
  },
  build(options, context, rng) {
    saganArchitecture.check(options, context);
    const config = resolveSaganConfig(options, context.dataShape);
    const generatorParams = new ParamStore();
    initSaganGenerator(generatorParams, 'g', config, rng.fork('generator-init'));
    const discriminatorParams = new ParamStore();
    initSaganDiscriminator(discriminatorParams, 'd', config, rng.fork('discriminator-init'));
    return {
      generatorParams,
      discriminatorParams,
      latentDim: config.latentDim,
      generate: (params, z, o) => saganGenerator(params, 'g', z, config, o),
      discriminate: (params, x, o) => saganDiscriminator(params, 'd', x, config, o),
      features: (params, x, o) => saganFeatures(params, 'd', x, config, o),
    };
  },
};
