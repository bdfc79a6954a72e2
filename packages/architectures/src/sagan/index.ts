/** SAGAN (Zhang et al. 2019): residual G and D with self-attention and spectral norm in both. */

export { attentionChannels, initSelfAttention, selfAttention, selfAttentionWeights } from './attention.js';
export {
  attentionResolutionsAt,
  autoAttentionResolution,
  resolveSaganConfig,
  SAGAN_CHANNELS,
  SAGAN_OPTIONS,
  SAGAN_RESOLUTIONS,
  type SaganChannels,
  type SaganConfig,
  type SaganResolution,
  saganImageShape,
} from './config.js';
export { SAGAN_RECOMMENDED, saganArchitecture } from './definition.js';
export { initSaganDiscriminator, saganDiscriminator } from './discriminator.js';
export { discriminatorBlock, discriminatorShortcutLearned, initDiscriminatorBlock } from './discriminatorBlock.js';
export { initSaganGenerator, saganGenerator } from './generator.js';
export { generatorBlock, generatorShortcutLearned, initGeneratorBlock } from './generatorBlock.js';
export { initSnConv2d, initSnDense } from './init.js';
export { type BlockLayout, type DiscriminatorBlockLayout, type SaganLayout, saganLayout } from './layout.js';
export { saganParameterCount } from './parameterCount.js';
export { initPowerIteration, SAGAN_SPECTRAL_NORM_CONFLICT, saganSpectralNorm, saganStateName, saganWeightTransform } from './spectralNorm.js';
