/** ProGAN (Karras et al. 2018): progressive growing with fade-in, pixel norm, equalized learning rate, minibatch stddev. */
export {
  levelResolution,
  PROGAN_BASE_RESOLUTION,
  PROGAN_CHANNELS,
  PROGAN_LEAKY_SLOPE,
  PROGAN_OPTIONS,
  PROGAN_RESOLUTIONS,
  type ProganChannels,
  type ProganConfig,
  type ProganResolution,
  proganFeatures,
  proganImageShape,
  proganLevels,
  resolveProganConfig,
  resolveProganOptions,
} from './config.js';
export { proganArchitecture } from './definition.js';
export { initProganDiscriminator, proganDiscriminator, proganDiscriminatorAt, proganDiscriminatorInput } from './discriminator.js';
export { equalizedWeight, HE_GAIN, heScale } from './equalizedLr.js';
export { initProganGenerator, proganGenerator, proganGeneratorAt } from './generator.js';
export {
  applyLayer,
  blockName,
  inactiveTerm,
  initProganLayers,
  layerActive,
  layerParameterCount,
  type ProganLayer,
  proganDiscriminatorLayers,
  proganGeneratorLayers,
  proganParameterCount,
} from './layers.js';
export { type ProganPhase, proganPhase } from './schedule.js';
