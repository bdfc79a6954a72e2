/** StyleGAN2 (Karras et al. 2020) for @ganbench/architectures: the definition and the parts its tests and users need. */
export {
  resolveStyleGan2Config,
  STYLEGAN2_CHANNELS,
  STYLEGAN2_OPTIONS,
  STYLEGAN2_RESOLUTIONS,
  type StyleGan2Config,
  type StyleGan2Resolution,
  stylegan2BlockResolutions,
  stylegan2Channels,
  stylegan2ImageShape,
  stylegan2NumWs,
} from './config.js';
export { buildStyleGan2, stylegan2Architecture } from './definition.js';
export { discriminator as stylegan2Discriminator, discriminatorBlockResolutions, initDiscriminator as initStyleGan2Discriminator } from './discriminator.js';
export { equalizedConv2d, equalizedDense, equalizedKernel, fanIn, initEqualized, lreluGain, STYLEGAN2_LEAKY_SLOPE } from './equalized.js';
export { generator as stylegan2Generator, initGenerator as initStyleGan2Generator } from './generator.js';
export { initMapping, mapping as stylegan2Mapping, truncate as truncateStyles, updateWAvg, W_AVG_DECAY, wAvgName } from './mapping.js';
export { DEMODULATION_EPSILON, demodulation, type ModulatedConvOptions, modulatedConv2d } from './modulatedConv.js';
export {
  PATH_LENGTH_BATCH_SHRINK,
  PATH_LENGTH_DECAY,
  pathLengthMeanName,
  pathLengthPenalty,
  pathLengthRegularizer,
  pathLengths,
  pathLengthTerms,
} from './pathLength.js';
export { blurForStridedConv, downsample2d as filteredDownsample2d, upsample2d as filteredUpsample2d } from './resample.js';
export { broadcastStyles, drawMixingCutoff, generatorStyles, mixStyles } from './styles.js';
export { initSynthesis, type SynthesisLayer, synthesis as stylegan2Synthesis, synthesisLayout } from './synthesis.js';
