import {
  batchNorm,
  conv2d,
  conv2dTranspose,
  dense,
  initBatchNorm,
  initConv2d,
  initConv2dTranspose,
  initDense,
  initMinibatchDiscrimination,
  leakyRelu,
  minibatchDiscrimination,
  type ParamStore,
  type Rng,
  tf,
  type WeightOptions,
  type WeightTransform,
} from '@ganbench/core';
import { spectralNormalize, spectralNormStateName } from '@ganbench/regularizers';
import type { NetworkOptions } from '../types.js';
import { checkImages, checkLatent, type ImageChannels, type ImageResolution } from './imageShape.js';

/**
 * SNDCGAN: the DCGAN of Miyato et al. 2018 (Table 3) whose discriminator weights are all spectrally
 * normalized, as Kurach et al. 2019 run it in compare_gan (sndcgan.py). D's channels double at each
 * stride-2 convolution (64, 128, 128, 256, 256, 512, 512 at 32×32), as compare_gan and the authors'
 * chainer-gan-lib code do; Table 3 lists 64, 64, 128, 128, 256, 256, 512.
 */
export interface SndcganConfig {
  resolution: ImageResolution;
  channels: ImageChannels;
  latentDim: number;
  /** Channels of G's last hidden layer and D's first (64 in the paper). */
  width: number;
  /** Power-iteration steps per training forward pass (Miyato et al. use 1). */
  powerIterations: number;
  /** Minibatch discrimination (Salimans et al. 2016, Sec. 3.2) on D's flattened features before the dense logit: B kernels; absent or 0: off. */
  minibatchKernels?: number;
  /** C, the dimension of each kernel's projection (used when minibatchKernels > 0). */
  minibatchKernelDims?: number;
}

export const SNDCGAN_LEAKY_SLOPE = 0.1;

export const SNDCGAN_SPECTRAL_NORM_CONFLICT =
  "architecture sndcgan: normalization 'spectral' is not allowed; sndcgan already divides every discriminator weight by its spectral norm " +
  '(Miyato et al. 2018). sndcgan takes normalization none (with any penalty); dcgan takes spectral';

/**
 * Stride-2 steps of both networks: the grid is R/8 as in Miyato et al. (4×4 at 32, 8×8 at 64, as
 * compare_gan); 28 is not a multiple of 8, so at 28 there are two steps from a 7×7 grid.
 */
export function sndcganLayout(resolution: ImageResolution): { stages: number; base: number } {
  const stages = resolution === 28 ? 2 : 3;
  return { stages, base: resolution / 2 ** stages };
}

/** D's convolutions in order: 3×3 s1 to width, then per stage a 4×4 s2 that doubles the channels and a 3×3 s1. */
export function sndcganDiscriminatorLayers(config: SndcganConfig): { name: string; kernel: number; strides: number; in: number; out: number }[] {
  const { stages } = sndcganLayout(config.resolution);
  const layers = [{ name: 'conv1', kernel: 3, strides: 1, in: config.channels as number, out: config.width }];
  for (let i = 1; i <= stages; i++) {
    const c = config.width * 2 ** i;
    layers.push({ name: `conv${2 * i}`, kernel: 4, strides: 2, in: c / 2, out: c });
    layers.push({ name: `conv${2 * i + 1}`, kernel: 3, strides: 1, in: c, out: c });
  }
  return layers;
}

/** Where the architecture keeps a layer's power-iteration vector u: `<layer>/sn_u`, apart from the regularizer's `<layer>/kernel/sn_u`. */
export function sndcganStateName(kernelName: string): string {
  return `${kernelName.replace(/\/kernel$/, '')}/sn_u`;
}

const generatorChannels = (config: SndcganConfig) => config.width * 2 ** sndcganLayout(config.resolution).stages;

function weightOptions(options: WeightOptions): WeightOptions {
  return options.weightTransform === undefined ? {} : { weightTransform: options.weightTransform };
}

/** `${prefix}/fc`, `bn1`, `up{i}` with `bn{i+1}` for each stage, then the 3×3 `out` convolution to the image. */
export function initSndcganGenerator(params: ParamStore, prefix: string, config: SndcganConfig, rng: Rng): void {
  const { stages, base } = sndcganLayout(config.resolution);
  let c = generatorChannels(config);
  initDense(params, `${prefix}/fc`, config.latentDim, base * base * c, rng);
  initBatchNorm(params, `${prefix}/bn1`, c);
  for (let i = 1; i <= stages; i++) {
    initConv2dTranspose(params, `${prefix}/up${i}`, 4, c, c / 2, rng);
    initBatchNorm(params, `${prefix}/bn${i + 1}`, c / 2);
    c /= 2;
  }
  initConv2d(params, `${prefix}/out`, 3, c, config.channels, rng);
}

/** z → dense → BN, ReLU → (4×4 transposed conv s2 → BN, ReLU)… → 3×3 conv → tanh (Miyato et al. 2018, Table 3a). */
export function sndcganGenerator(params: ParamStore, prefix: string, z: tf.Tensor, config: SndcganConfig, options: NetworkOptions): tf.Tensor4D {
  checkLatent(`sndcgan ${prefix}`, z, config.latentDim);
  const { stages, base } = sndcganLayout(config.resolution);
  const w = weightOptions(options);
  return tf.tidy(() => {
    const bnRelu = (name: string, h: tf.Tensor) => tf.relu(batchNorm(params, `${prefix}/${name}`, h, { training: options.training }));
    let h = bnRelu('bn1', tf.reshape(dense(params, `${prefix}/fc`, z, w), [z.shape[0] as number, base, base, generatorChannels(config)]));
    for (let i = 1; i <= stages; i++) h = bnRelu(`bn${i + 1}`, conv2dTranspose(params, `${prefix}/up${i}`, h, { ...w, strides: 2 }));
    return tf.tanh(conv2d(params, `${prefix}/out`, h, { ...w, strides: 1 }));
  });
}

/** D's weights, with a unit-norm u per layer (never trained; saved with the parameters). */
export function initSndcganDiscriminator(params: ParamStore, prefix: string, config: SndcganConfig, rng: Rng): void {
  const layers = sndcganDiscriminatorLayers(config);
  for (const layer of layers) initConv2d(params, `${prefix}/${layer.name}`, layer.kernel, layer.in, layer.out, rng);
  const { base } = sndcganLayout(config.resolution);
  const features = base * base * (layers[layers.length - 1] as { out: number }).out;
  const kernels = config.minibatchKernels ?? 0;
  // A fork, so T's draws leave the stream of every other layer (and every u) as it was.
  if (kernels > 0)
    initMinibatchDiscrimination(params, `${prefix}/mbd`, features, kernels, config.minibatchKernelDims ?? 1, rng.fork('minibatch-discrimination'));
  initDense(params, `${prefix}/fc`, features + kernels, 1, rng);
  const uRng = rng.fork('spectral-norm');
  for (const name of [...layers.map((l) => l.name), ...(kernels > 0 ? ['mbd'] : []), 'fc']) {
    const kernel = params.get(`${prefix}/${name}/kernel`);
    const stateName = sndcganStateName(`${prefix}/${name}/kernel`);
    const u = tf.tidy(() => {
      const g = uRng.fork(stateName).normalTensor([kernel.shape[kernel.rank - 1] as number]);
      return tf.div(g, tf.norm(g));
    });
    params.create(stateName, u, { trainable: false });
  }
}

/**
 * W/σ(W) for every D kernel (Miyato et al. 2018, Eq. 8), σ from the power iteration on the layer's
 * u; in training mode every forward pass advances u, as torch.nn.utils.spectral_norm does.
 */
export function sndcganSpectralNorm(params: ParamStore, iterations: number, training: boolean): WeightTransform {
  return (weight, name) => {
    const state = params.get(sndcganStateName(name));
    const { normalized, u, sigma } = spectralNormalize(weight, state, iterations);
    if (training) state.assign(u);
    tf.dispose([u, sigma]);
    return normalized;
  };
}

/**
 * The architecture's spectral norm after any transform the caller passes; the spectral-norm
 * regularizer's transform leaves its u at `<kernel>/sn_u`, which is how a double normalization is caught.
 */
function discriminatorTransform(params: ParamStore, config: SndcganConfig, options: NetworkOptions): WeightTransform {
  const own = sndcganSpectralNorm(params, config.powerIterations, options.training);
  const outer = options.weightTransform;
  if (outer === undefined) return own;
  return (weight, name) => {
    const pre = outer(weight, name);
    if (params.has(spectralNormStateName(name))) throw new Error(SNDCGAN_SPECTRAL_NORM_CONFLICT);
    return own(pre, name);
  };
}

function sndcganFeaturesWith(params: ParamStore, prefix: string, x: tf.Tensor, config: SndcganConfig, weightTransform: WeightTransform): tf.Tensor2D {
  checkImages(`sndcgan ${prefix}`, x, config.resolution, config.channels);
  return tf.tidy(() => {
    let h: tf.Tensor = x;
    for (const layer of sndcganDiscriminatorLayers(config)) {
      h = leakyRelu(conv2d(params, `${prefix}/${layer.name}`, h, { weightTransform, strides: layer.strides }), SNDCGAN_LEAKY_SLOPE);
    }
    const features = tf.reshape(h, [x.shape[0] as number, -1]) as tf.Tensor2D;
    return (config.minibatchKernels ?? 0) > 0 ? minibatchDiscrimination(params, `${prefix}/mbd`, features, { weightTransform }) : features;
  });
}

/**
 * D's features [N, F]: x → (conv → leaky ReLU 0.1)×(2·stages + 1) → flattened → [minibatch discrimination], the input
 * of its dense logit (what feature matching compares). In training mode the pass advances every u, as sndcganDiscriminator's does.
 */
export function sndcganFeatures(params: ParamStore, prefix: string, x: tf.Tensor, config: SndcganConfig, options: NetworkOptions): tf.Tensor2D {
  return sndcganFeaturesWith(params, prefix, x, config, discriminatorTransform(params, config, options));
}

/**
 * x → D's features (sndcganFeatures) → dense: logits [N], every weight spectrally normalized (Miyato et al. 2018,
 * Table 3b), T of minibatch discrimination too (as a matrix [A·B, C]).
 */
export function sndcganDiscriminator(params: ParamStore, prefix: string, x: tf.Tensor, config: SndcganConfig, options: NetworkOptions): tf.Tensor1D {
  // One transform for the whole pass, so each u advances once per forward pass.
  const weightTransform = discriminatorTransform(params, config, options);
  return tf.tidy(
    () => tf.reshape(dense(params, `${prefix}/fc`, sndcganFeaturesWith(params, prefix, x, config, weightTransform), { weightTransform }), [-1]) as tf.Tensor1D,
  );
}

/** Trainable scalars of G and D (running statistics and u vectors excluded), counted layer by layer from the shapes. */
export function sndcganParameterCount(config: SndcganConfig): { generator: number; discriminator: number } {
  const { stages, base } = sndcganLayout(config.resolution);
  let c = generatorChannels(config);
  let generator = config.latentDim * base * base * c + base * base * c + 2 * c;
  for (let i = 1; i <= stages; i++) {
    generator += 16 * c * (c / 2) + c / 2 + 2 * (c / 2);
    c /= 2;
  }
  generator += 9 * c * config.channels + config.channels;
  const layers = sndcganDiscriminatorLayers(config);
  let discriminator = layers.reduce((sum, l) => sum + l.kernel * l.kernel * l.in * l.out + l.out, 0);
  const features = base * base * (layers[layers.length - 1] as { out: number }).out;
  const kernels = config.minibatchKernels ?? 0;
  // Minibatch discrimination: T [A, B, C] on the A features, and B more inputs of the dense logit.
  discriminator += features * kernels * (config.minibatchKernelDims ?? 1) + features + kernels + 1;
  return { generator, discriminator };
}
