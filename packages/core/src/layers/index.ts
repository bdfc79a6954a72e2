export { leakyRelu } from './activations.js';
export { type ConvOptions, conv2d, initConv2d } from './conv2d.js';
export { conv2dTranspose, initConv2dTranspose } from './conv2dTranspose.js';
export { dense, initDense } from './dense.js';
export { initMinibatchDiscrimination, type MinibatchDiscriminationOptions, minibatchDiscrimination } from './minibatchDiscrimination.js';
export { minibatchStddev } from './minibatchStddev.js';
export {
  type BatchNormOptions,
  batchNorm,
  initBatchNorm,
  initLayerNorm,
  instanceNorm,
  layerNorm,
  pixelNorm,
} from './normalization.js';
export { avgPoolDownsample, upsampleNearest } from './resample.js';
export { DCGAN_INIT_STD, type WeightOptions, type WeightTransform } from './types.js';
export {
  initVirtualBatchNorm,
  recordVirtualBatchNormReference,
  type VirtualBatchNormOptions,
  type VirtualBatchNormReference,
  virtualBatchNorm,
  virtualBatchNormReference,
} from './virtualBatchNorm.js';
