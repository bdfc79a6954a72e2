import { conv2d, conv2dTranspose, dense, initConv2d, initConv2dTranspose, initDense, type ParamStore, type Rng, tf, type WeightOptions } from '@ganbench/core';
import { dcganLayout } from '../dcgan/dcgan.js';
import { checkImages, checkLatent, type ImageChannels, type ImageResolution } from '../dcgan/imageShape.js';
import type { NetworkOptions } from '../types.js';

/** How D's energy measures the reconstruction error, per sample, as a mean over its pixels (or coordinates). */
export const RECONSTRUCTION_NORMS = ['l1', 'mse'] as const;
export type ReconstructionNorm = (typeof RECONSTRUCTION_NORMS)[number];

/** Images (strided convolutions) or points (fully connected layers), from the data shape. */
export type AutoencoderData = { kind: 'images'; resolution: ImageResolution; channels: ImageChannels } | { kind: 'points'; dim: number };

/**
 * An autoencoder discriminator (EBGAN, Zhao et al. 2017; BEGAN, Berthelot et al. 2017): encoder → embedding h →
 * decoder, its energy the reconstruction error; G is shaped like the decoder, as in BEGAN.
 */
export interface AutoencoderConfig {
  data: AutoencoderData;
  latentDim: number;
  /** Size of the embedding h (BEGAN's h, EBGAN's S of the pull-away term). */
  embedding: number;
  /** Images: channels of the first encoder convolution, doubled at each stride-2 step. Points: units of each hidden layer. */
  width: number;
  reconstruction: ReconstructionNorm;
}

/** Hidden layers of each fully connected stack on points. */
export const AUTOENCODER_POINT_LAYERS = 2;
const KERNEL = 4;

/** Channels of the coarsest grid: the encoder's last convolution, the decoder's and G's projection. */
const deepestChannels = (config: AutoencoderConfig, stages: number) => config.width * 2 ** (stages - 1);

const weightOptions = (options: WeightOptions): WeightOptions => (options.weightTransform === undefined ? {} : { weightTransform: options.weightTransform });

/** The fully connected layers on points start at unit variance (LeCun), as DCGAN's N(0, 0.02²) would make a 2-unit input vanish. */
const pointStd = (fanIn: number) => 1 / Math.sqrt(fanIn);

/** A decoder-shaped stack from `inputDim` to the data: `${prefix}/fc` then `up{i}` (images) or `fc{i}` (points). */
function initDecoder(params: ParamStore, prefix: string, config: AutoencoderConfig, inputDim: number, rng: Rng): void {
  const { data } = config;
  if (data.kind === 'points') {
    let units = inputDim;
    for (let i = 1; i <= AUTOENCODER_POINT_LAYERS; i++) {
      initDense(params, `${prefix}/fc${i}`, units, config.width, rng, pointStd(units));
      units = config.width;
    }
    initDense(params, `${prefix}/fc${AUTOENCODER_POINT_LAYERS + 1}`, units, data.dim, rng, pointStd(units));
    return;
  }
  const { stages, base } = dcganLayout(data.resolution);
  let c = deepestChannels(config, stages);
  initDense(params, `${prefix}/fc`, inputDim, base * base * c, rng);
  for (let i = 1; i < stages; i++) {
    initConv2dTranspose(params, `${prefix}/up${i}`, KERNEL, c, c / 2, rng);
    c /= 2;
  }
  initConv2dTranspose(params, `${prefix}/up${stages}`, KERNEL, c, data.channels, rng);
}

/** h [N, inputDim] → ELU layers → data [N, …] with a linear last layer. */
function decode(params: ParamStore, prefix: string, h: tf.Tensor, config: AutoencoderConfig, w: WeightOptions): tf.Tensor {
  const { data } = config;
  const n = h.shape[0] as number;
  if (data.kind === 'points') {
    let y = h;
    for (let i = 1; i <= AUTOENCODER_POINT_LAYERS; i++) y = tf.elu(dense(params, `${prefix}/fc${i}`, y, w));
    return dense(params, `${prefix}/fc${AUTOENCODER_POINT_LAYERS + 1}`, y, w);
  }
  const { stages, base } = dcganLayout(data.resolution);
  let y: tf.Tensor = tf.elu(tf.reshape(dense(params, `${prefix}/fc`, h, w), [n, base, base, deepestChannels(config, stages)]));
  for (let i = 1; i < stages; i++) y = tf.elu(conv2dTranspose(params, `${prefix}/up${i}`, y, { ...w, strides: 2 }));
  return conv2dTranspose(params, `${prefix}/up${stages}`, y, { ...w, strides: 2 });
}

/** G, shaped like D's decoder from z: `${prefix}/fc…`, tanh on images (data in [−1, 1]), linear on points. */
export function initAutoencoderGenerator(params: ParamStore, prefix: string, config: AutoencoderConfig, rng: Rng): void {
  initDecoder(params, prefix, config, config.latentDim, rng);
}

export function autoencoderGenerator(params: ParamStore, prefix: string, z: tf.Tensor, config: AutoencoderConfig, options: NetworkOptions): tf.Tensor {
  checkLatent(`autoencoder ${prefix}`, z, config.latentDim);
  return tf.tidy(() => {
    const out = decode(params, prefix, z, config, weightOptions(options));
    return config.data.kind === 'images' ? tf.tanh(out) : out;
  });
}

/** D: `${prefix}/enc/…` to the embedding, `${prefix}/dec/…` back to the data. */
export function initAutoencoderDiscriminator(params: ParamStore, prefix: string, config: AutoencoderConfig, rng: Rng): void {
  const { data } = config;
  if (data.kind === 'points') {
    let units = data.dim;
    for (let i = 1; i <= AUTOENCODER_POINT_LAYERS; i++) {
      initDense(params, `${prefix}/enc/fc${i}`, units, config.width, rng, pointStd(units));
      units = config.width;
    }
    initDense(params, `${prefix}/enc/fc${AUTOENCODER_POINT_LAYERS + 1}`, units, config.embedding, rng, pointStd(units));
  } else {
    const { stages, base } = dcganLayout(data.resolution);
    let c = data.channels as number;
    for (let i = 0; i < stages; i++) {
      initConv2d(params, `${prefix}/enc/conv${i + 1}`, KERNEL, c, config.width * 2 ** i, rng);
      c = config.width * 2 ** i;
    }
    initDense(params, `${prefix}/enc/fc`, base * base * c, config.embedding, rng);
  }
  initDecoder(params, `${prefix}/dec`, config, config.embedding, rng);
}

function checkData(owner: string, x: tf.Tensor, data: AutoencoderData): void {
  if (data.kind === 'images') checkImages(owner, x, data.resolution, data.channels);
  else if (x.rank !== 2 || x.shape[1] !== data.dim) throw new Error(`${owner}: x of shape [${x.shape}] is not allowed; must be [N, ${data.dim}]`);
}

/** The embedding h [N, embedding] of x: stride-2 convolutions (or dense layers) with ELU, then a linear layer. */
export function autoencoderEmbedding(params: ParamStore, prefix: string, x: tf.Tensor, config: AutoencoderConfig, options: NetworkOptions): tf.Tensor2D {
  checkData(`autoencoder ${prefix}`, x, config.data);
  const w = weightOptions(options);
  const { data } = config;
  return tf.tidy(() => {
    if (data.kind === 'points') {
      let y = x;
      for (let i = 1; i <= AUTOENCODER_POINT_LAYERS; i++) y = tf.elu(dense(params, `${prefix}/enc/fc${i}`, y, w));
      return dense(params, `${prefix}/enc/fc${AUTOENCODER_POINT_LAYERS + 1}`, y, w);
    }
    const { stages } = dcganLayout(data.resolution);
    let y: tf.Tensor = x;
    for (let i = 0; i < stages; i++) y = tf.elu(conv2d(params, `${prefix}/enc/conv${i + 1}`, y, { ...w, strides: 2 }));
    return dense(params, `${prefix}/enc/fc`, tf.reshape(y, [x.shape[0] as number, -1]), w);
  });
}

/** Dec(Enc(x)), the same shape as x. */
export function autoencoderReconstruction(params: ParamStore, prefix: string, x: tf.Tensor, config: AutoencoderConfig, options: NetworkOptions): tf.Tensor {
  return tf.tidy(() => decode(params, `${prefix}/dec`, autoencoderEmbedding(params, prefix, x, config, options), config, weightOptions(options)));
}

/**
 * Per sample, the mean over its pixels (or coordinates) of |r − x| (l1, BEGAN's L(v) = |v − D(v)|^η with η = 1) or
 * (r − x)² (mse, EBGAN's ‖Dec(Enc(x)) − x‖², divided by the number of pixels): a mean, so the energy's scale (and
 * the margin m and γ that go with it) does not grow with the resolution.
 */
export function reconstructionEnergy(x: tf.Tensor, reconstruction: tf.Tensor, norm: ReconstructionNorm): tf.Tensor1D {
  return tf.tidy(() => {
    const diff = tf.sub(reconstruction, x);
    const error = norm === 'l1' ? tf.abs(diff) : tf.square(diff);
    return tf.mean(tf.reshape(error, [x.shape[0] as number, -1]), 1) as tf.Tensor1D;
  });
}

/** Logits [N] in the convention every loss reads (high on real): −energy, the negated reconstruction error. */
export function autoencoderDiscriminator(params: ParamStore, prefix: string, x: tf.Tensor, config: AutoencoderConfig, options: NetworkOptions): tf.Tensor1D {
  return tf.tidy(() => tf.neg(reconstructionEnergy(x, autoencoderReconstruction(params, prefix, x, config, options), config.reconstruction)));
}
