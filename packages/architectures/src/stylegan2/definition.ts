import { ParamStore, type Rng } from '@ganbench/core';
import type { ArchitectureDefinition, GanNetworks } from '../types.js';
import { resolveStyleGan2Config, STYLEGAN2_OPTIONS, type StyleGan2Config } from './config.js';
import { discriminator, discriminatorFeatures, initDiscriminator } from './discriminator.js';
import { generator, initGenerator } from './generator.js';
import { pathLengthRegularizer } from './pathLength.js';

/*
 * StyleGAN2 (Karras et al. 2020, config E/F: skip G, residual D) as the official code builds it
 * (stylegan2, stylegan2-ada-pytorch), with these deviations:
 * - Modulated convolutions scale the input by s, convolve with the shared weight and scale the output
 *   by d (the non-fused path): the same function as the grouped per-sample convolution tfjs lacks.
 * - Upsampling applies the [1, 3, 3, 1] filter to the input of the 3×3 convolution instead of a fused
 *   stride-2 transposed convolution followed by the filter; D's downsampling convs and skips are the
 *   official filter + stride-2 operators. The filter is built from 2×2 average pools, exactly.
 * - Noise strength is one learned value per channel (StyleGAN1; the official StyleGAN2 has one per layer).
 *   Noise is drawn from options.rng; without it the noise inputs are zero. Style mixing needs it too.
 * - w̄ is updated on every training-mode pass of G (as the official TF code), including the fakes of
 *   D's steps and the path-length pass.
 * - Lazy regularization scales R1 and the path-length penalty by their interval; the official Adam
 *   adjustment (lr and β raised to k/(k + 1)) is not made, and the path-length penalty joins the main
 *   generator loss on its steps instead of a separate pass.
 * - Defaults are scaled down (z, w 128; channels width·R/res capped at 128): the paper uses 512.
 */

/** Both networks from a resolved config: G under 'g', D under 'd', the lazy path-length penalty as generatorPenalty. */
export function buildStyleGan2(config: StyleGan2Config, rng: Rng): GanNetworks {
  const generatorParams = new ParamStore();
  initGenerator(generatorParams, 'g', config, rng.fork('generator-init'));
  const discriminatorParams = new ParamStore();
  initDiscriminator(discriminatorParams, 'd', config, rng.fork('discriminator-init'));
  return {
    generatorParams,
    discriminatorParams,
    latentDim: config.latentDim,
    generate: (params, z, options) => generator(params, 'g', z, config, options),
    discriminate: (params, x, options) => discriminator(params, 'd', x, config, options),
    features: (params, x, options) => discriminatorFeatures(params, 'd', x, config, options),
    generatorPenalty: pathLengthRegularizer('g', config),
  };
}

const ADAM = { name: 'adam', lr: 2e-3, beta1: 0, beta2: 0.99 } as const;

export const stylegan2Architecture: ArchitectureDefinition = {
  name: 'stylegan2',
  paper:
    'Karras, Laine, Aittala, Hellsten, Lehtinen, Aila 2020, Analyzing and Improving the Image Quality of StyleGAN (config E/F: skip G, residual D; official stylegan2 and stylegan2-ada-pytorch code)',
  description:
    'G: z → pixel norm → mappingLayers dense (lr × 0.01) → w; learned 4×4 constant; per block modulated/demodulated 3×3 convs (per-sample scaling, no grouped conv) with per-channel noise, bias, leaky ReLU 0.2·√2; toRGB at every resolution, upsampled and summed; style mixing (p = styleMixing) in training, truncation toward the tracked w̄ at sampling. ' +
    'D: fromRGB, residual blocks (two 3×3 convs, 2× down, 1×1 skip, /√2), minibatch stddev, 3×3 conv, dense, dense logit. Equalized lr everywhere; [1, 3, 3, 1] resampling. ' +
    'Lazy path-length penalty on G (every pathLengthEvery steps, weight pathLengthWeight, decaying mean 0.99, half batch). 8–128 px, 1 or 3 channels',
  options: STYLEGAN2_OPTIONS,
  features: true,
  recommended: {
    loss: { name: 'non-saturating', params: {} },
    // γ = 10 is the paper's FFHQ value; it depends on the data (the official CIFAR-10 config uses 0.01): set the regularizer's gamma.
    regularizer: { name: 'r1', params: { gamma: 10, every: 16 } },
    optimizer: ADAM,
    discriminatorOptimizer: ADAM,
  },
  check(options, context) {
    resolveStyleGan2Config(options, context.dataShape);
  },
  build(options, context, rng) {
    return buildStyleGan2(resolveStyleGan2Config(options, context.dataShape), rng);
  },
};
