import { ParamStore } from '@ganbench/core';
import type { ArchitectureDefinition } from '../types.js';
import { PROGAN_OPTIONS, resolveProganConfig } from './config.js';
import { initProganDiscriminator, proganDiscriminator, proganFeatures } from './discriminator.js';
import { initProganGenerator, proganGenerator } from './generator.js';

/** Karras et al. 2018, App. A.1: WGAN-GP with λ = 10 and ε-drift 0.001, Adam lr 0.001, β = (0, 0.99), one D step per G step. */
const ADAM = { name: 'adam', lr: 1e-3, beta1: 0, beta2: 0.99 } as const;

export const proganArchitecture: ArchitectureDefinition = {
  name: 'progan',
  paper:
    'Karras, Aila, Laine, Lehtinen 2018, Progressive Growing of GANs for Improved Quality, Stability, and Variation (Table 2, App. A; official code networks.py)',
  description:
    'grows G and D from 4×4 to 32, 64 or 128 px, each new level faded in over imagesPerPhase images (α 0 → 1) and then stabilized; G: pixel-normalized z → 4×4 block → (nearest 2× up, two 3×3 convs, leaky ReLU 0.2, pixel norm)… → 1×1 toRGB, linear; D: 1×1 fromRGB → (two 3×3 convs, 2× average pool)… → minibatch stddev, 3×3 conv, dense, dense logit; real images average-pooled (and blended in fade-in) to the current level; equalized learning rate (N(0, 1) weights × He constant at run time)',
  options: PROGAN_OPTIONS,
  features: true,
  recommended: {
    loss: { name: 'wasserstein', params: {} },
    regularizer: { name: 'gradient-penalty', params: { lambda: 10, drift: 0.001 } },
    optimizer: ADAM,
    discriminatorOptimizer: ADAM,
  },
  check(options, context) {
    resolveProganConfig(options, context.dataShape);
  },
  build(options, context, rng) {
    const config = resolveProganConfig(options, context.dataShape);
    const generatorParams = new ParamStore();
    initProganGenerator(generatorParams, 'g', config, rng.fork('generator-init'));
    const discriminatorParams = new ParamStore();
    initProganDiscriminator(discriminatorParams, 'd', config, rng.fork('discriminator-init'));
    return {
      generatorParams,
      discriminatorParams,
      latentDim: config.latentDim,
      generate: (params, z, o) => proganGenerator(params, 'g', z, config, o),
      discriminate: (params, x, o) => proganDiscriminator(params, 'd', x, config, o),
      features: (params, x, o) => proganFeatures(params, 'd', x, config, o),
    };
  },
};
