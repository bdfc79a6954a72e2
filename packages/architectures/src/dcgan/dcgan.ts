import {
  batchNorm,
  conv2d,
  conv2dTranspose,
  dense,
  initBatchNorm,
  initConv2d,
  initConv2dTranspose,
  initDense,
  initLayerNorm,
  initMinibatchDiscrimination,
  layerNorm,
  leakyRelu,
  minibatchDiscrimination,
  type ParamStore,
  type Rng,
  tf,
  virtualBatchNorm,
  virtualBatchNormReference,
  type WeightOptions,
} from '@ganbench/core';
import type { NetworkOptions } from '../types.js';
import { checkImages, checkLatent, type ImageChannels, type ImageResolution } from './imageShape.js';

/**
 * DCGAN (Radford, Metz, Chintala 2016). Kernels are 4×4 by default, as in the authors' Torch
 * release (dcgan.torch) and this project's benchmark: with stride 2 and 'same' padding a 4×4
 * kernel pads symmetrically, so the network is exactly PyTorch's Conv2d(k=4, s=2, p=1).
 * compare_gan (Kurach et al. 2019) uses 5×5: `kernelSize: 5`.
 */
export interface DcganConfig {
  resolution: ImageResolution;
  channels: ImageChannels;
  latentDim: number;
  /** Channels of G's last hidden layer and D's first; they double at every stride-2 step. */
  width: number;
  kernelSize: 4 | 5;
  /** Batch norm after every D convolution but the first (Radford et al. 2016, Sec. 3). */
  discriminatorBatchNorm: boolean;
  /** Layer norm (over each sample's H, W, C; gain and bias per channel) after every D convolution but the first (normalization: layer, Kurach et al. 2019). */
  discriminatorLayerNorm?: boolean;
  /** Minibatch discrimination (Salimans et al. 2016, Sec. 3.2) on D's flattened features before the dense logit: B kernels; absent or 0: off. */
  minibatchKernels?: number;
  /** C, the dimension of each kernel's projection (used when minibatchKernels > 0). */
  minibatchKernelDims?: number;
  /** Virtual batch norm in G instead of batch norm (Salimans et al. 2016, Sec. 3.4), against a reference batch of z drawn once at init. */
  generatorVirtualBatchNorm?: boolean;
  /** Size of that reference batch (used when generatorVirtualBatchNorm). */
  virtualBatchSize?: number;
}

/** Where G keeps the reference batch of virtual batch norm: z [virtualBatchSize, latentDim], not trained, saved with G's parameters. */
export const dcganReferenceZName = (prefix: string) => `${prefix}/vbn_reference_z`;

export const DCGAN_LEAKY_SLOPE = 0.2;

/** Stride-2 steps between the base grid and the image: 7→14→28, 4→8→16→32, 4→8→16→32→64. */
export function dcganLayout(resolution: ImageResolution): { stages: number; base: number } {
  const stages = resolution === 28 ? 2 : resolution === 32 ? 3 : 4;
  return { stages, base: resolution / 2 ** stages };
}

/** Channels of G's projection: width·2^(stages−1), halved by each transposed convolution down to width. */
const projectionChannels = (config: DcganConfig) => config.width * 2 ** (dcganLayout(config.resolution).stages - 1);

function weightOptions(options: WeightOptions): WeightOptions {
  return options.weightTransform === undefined ? {} : { weightTransform: options.weightTransform };
}

/**
 * `${prefix}/fc`, `bn1`, then `up{i}` with `bn{i+1}` for i < stages, then `up{stages}` to the image; with virtual
 * batch norm `vbn{i}` (γ, β) in place of `bn{i}` and the reference batch of z at dcganReferenceZName, drawn from a fork of `rng`.
 */
export function initDcganGenerator(params: ParamStore, prefix: string, config: DcganConfig, rng: Rng): void {
  const { stages, base } = dcganLayout(config.resolution);
  const vbn = config.generatorVirtualBatchNorm === true;
  const initNorm = (name: number, channels: number) => {
    if (!vbn) return initBatchNorm(params, `${prefix}/bn${name}`, channels);
    params.create(`${prefix}/vbn${name}/gamma`, tf.ones([channels]));
    params.create(`${prefix}/vbn${name}/beta`, tf.zeros([channels]));
  };
  let c = projectionChannels(config);
  initDense(params, `${prefix}/fc`, config.latentDim, base * base * c, rng);
  initNorm(1, c);
  for (let i = 1; i < stages; i++) {
    initConv2dTranspose(params, `${prefix}/up${i}`, config.kernelSize, c, c / 2, rng);
    initNorm(i + 1, c / 2);
    c /= 2;
  }
  initConv2dTranspose(params, `${prefix}/up${stages}`, config.kernelSize, c, config.channels, rng);
  if (vbn) {
    const z = rng.fork('virtual-batch-reference').normalTensor([config.virtualBatchSize ?? 64, config.latentDim]);
    params.create(dcganReferenceZName(prefix), z, { trainable: false });
    z.dispose();
  }
}

/**
 * Virtual batch norm, the paper's form: the reference batch goes through G in the same pass; at each
 * normalization it is normalized with its own statistics, and each sample with the reference's together with its own.
 */
function virtualBatchNormRelu(params: ParamStore, name: string, h: tf.Tensor, n: number): tf.Tensor {
  const x = tf.slice(h, 0, n);
  const ref = tf.slice(h, n);
  const stats = virtualBatchNormReference(ref);
  const gamma = params.get(`${name}/gamma`);
  const beta = params.get(`${name}/beta`);
  const variance = tf.relu(tf.sub(stats.meanSquare, tf.square(stats.mean)));
  const refNormalized = tf.add(tf.mul(tf.mul(tf.sub(ref, stats.mean), tf.rsqrt(tf.add(variance, 1e-5))), gamma), beta);
  return tf.relu(tf.concat([virtualBatchNorm(params, name, x, { reference: stats }), refNormalized], 0));
}

/**
 * z [N, latentDim] → dense → BN, ReLU → (transposed conv s2 → BN, ReLU)… → transposed conv s2 → tanh: NHWC images in [−1, 1].
 * With virtual batch norm every sample is independent of the rest of its batch, in training and eval mode alike.
 */
export function dcganGenerator(params: ParamStore, prefix: string, z: tf.Tensor, config: DcganConfig, options: NetworkOptions): tf.Tensor4D {
  checkLatent(`dcgan ${prefix}`, z, config.latentDim);
  const { stages, base } = dcganLayout(config.resolution);
  const w = weightOptions(options);
  const n = z.shape[0] as number;
  const vbn = config.generatorVirtualBatchNorm === true;
  return tf.tidy(() => {
    const input = vbn ? tf.concat([z, params.get(dcganReferenceZName(prefix))], 0) : z;
    const bnRelu = (i: number, h: tf.Tensor) =>
      vbn ? virtualBatchNormRelu(params, `${prefix}/vbn${i}`, h, n) : tf.relu(batchNorm(params, `${prefix}/bn${i}`, h, { training: options.training }));
    let h = bnRelu(1, tf.reshape(dense(params, `${prefix}/fc`, input, w), [input.shape[0] as number, base, base, projectionChannels(config)]));
    for (let i = 1; i < stages; i++) h = bnRelu(i + 1, conv2dTranspose(params, `${prefix}/up${i}`, h, { ...w, strides: 2 }));
    const out = conv2dTranspose(params, `${prefix}/up${stages}`, vbn ? tf.slice(h, 0, n) : h, { ...w, strides: 2 });
    return tf.tanh(out);
  });
}

/** `${prefix}/conv1 … conv{stages}` (with `bn2 …` or `ln2 …` when enabled), `${prefix}/mbd` (minibatch discrimination, when on), then `${prefix}/fc` to one logit. */
export function initDcganDiscriminator(params: ParamStore, prefix: string, config: DcganConfig, rng: Rng): void {
  const { stages, base } = dcganLayout(config.resolution);
  let c = config.channels as number;
  for (let i = 0; i < stages; i++) {
    const out = config.width * 2 ** i;
    initConv2d(params, `${prefix}/conv${i + 1}`, config.kernelSize, c, out, rng);
    if (config.discriminatorBatchNorm && i > 0) initBatchNorm(params, `${prefix}/bn${i + 1}`, out);
    if (config.discriminatorLayerNorm && i > 0) initLayerNorm(params, `${prefix}/ln${i + 1}`, out);
    c = out;
  }
  const features = base * base * c;
  const kernels = config.minibatchKernels ?? 0;
  // A fork, so T's draws leave the stream of every other layer as it was.
  if (kernels > 0)
    initMinibatchDiscrimination(params, `${prefix}/mbd`, features, kernels, config.minibatchKernelDims ?? 1, rng.fork('minibatch-discrimination'));
  initDense(params, `${prefix}/fc`, features + kernels, 1, rng);
}

/**
 * D's features [N, F]: x [N, R, R, C] → (conv s2 → [BN] → leaky ReLU 0.2)… → flattened → [minibatch discrimination];
 * the input of its dense logit, what feature matching compares (Salimans et al. 2016, Sec. 3.1).
 */
export function dcganFeatures(params: ParamStore, prefix: string, x: tf.Tensor, config: DcganConfig, options: NetworkOptions): tf.Tensor2D {
  checkImages(`dcgan ${prefix}`, x, config.resolution, config.channels);
  const { stages } = dcganLayout(config.resolution);
  const w = weightOptions(options);
  return tf.tidy(() => {
    let h: tf.Tensor = x;
    for (let i = 0; i < stages; i++) {
      h = conv2d(params, `${prefix}/conv${i + 1}`, h, { ...w, strides: 2 });
      if (config.discriminatorBatchNorm && i > 0) h = batchNorm(params, `${prefix}/bn${i + 1}`, h, { training: options.training });
      if (config.discriminatorLayerNorm && i > 0) h = layerNorm(h, params, `${prefix}/ln${i + 1}`);
      h = leakyRelu(h, DCGAN_LEAKY_SLOPE);
    }
    const features = tf.reshape(h, [x.shape[0] as number, -1]) as tf.Tensor2D;
    return (config.minibatchKernels ?? 0) > 0 ? minibatchDiscrimination(params, `${prefix}/mbd`, features, w) : features;
  });
}

/**
 * x [N, R, R, C] → D's features (dcganFeatures) → dense: logits [N]; no pooling, no hidden dense layer.
 * T of minibatch discrimination goes through the weight transform like every D kernel.
 */
export function dcganDiscriminator(params: ParamStore, prefix: string, x: tf.Tensor, config: DcganConfig, options: NetworkOptions): tf.Tensor1D {
  const w = weightOptions(options);
  return tf.tidy(() => tf.reshape(dense(params, `${prefix}/fc`, dcganFeatures(params, prefix, x, config, options), w), [-1]) as tf.Tensor1D);
}

/** Trainable scalars of G and D (batch-norm running statistics excluded), counted layer by layer from the shapes. */
export function dcganParameterCount(config: DcganConfig): { generator: number; discriminator: number } {
  const { stages, base } = dcganLayout(config.resolution);
  const k2 = config.kernelSize ** 2;
  let c = projectionChannels(config);
  let generator = config.latentDim * base * base * c + base * base * c + 2 * c;
  for (let i = 1; i < stages; i++) {
    generator += k2 * c * (c / 2) + c / 2 + 2 * (c / 2);
    c /= 2;
  }
  generator += k2 * c * config.channels + config.channels;
  let discriminator = 0;
  let d = config.channels as number;
  for (let i = 0; i < stages; i++) {
    const out = config.width * 2 ** i;
    discriminator += k2 * d * out + out + ((config.discriminatorBatchNorm || config.discriminatorLayerNorm) && i > 0 ? 2 * out : 0);
    d = out;
  }
  const kernels = config.minibatchKernels ?? 0;
  // Minibatch discrimination: T [A, B, C] on the A = base²·d features, and B more inputs of the dense logit.
  discriminator += base * base * d * kernels * (config.minibatchKernelDims ?? 1) + base * base * d + kernels + 1;
  return { generator, discriminator };
}
