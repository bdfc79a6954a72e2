import { conv2d, dense, initConv2d, initDense, type ParamStore, type Rng, tf, type WeightTransform } from '@ganbench/core';
import { levelResolution, type ProganConfig, proganFeatures, proganLevels } from './config.js';
import { equalizedWeight, HE_GAIN, heScale } from './equalizedLr.js';
import type { ProganPhase } from './schedule.js';

/** One weight layer of either network, with what equalized learning rate and the growth schedule need to know. */
export interface ProganLayer {
  /** Under the network's prefix: '4x4/dense', '8x8/conv0', '8x8/torgb', '8x8/fromrgb'. */
  name: string;
  kind: 'dense' | 'conv';
  /** Kernel height and width (1 for dense). */
  kernel: number;
  in: number;
  out: number;
  /** Of the layer as the paper defines it (G's first layer is its 4×4 convolution of the 1×1 latent: 16·latentDim). */
  fanIn: number;
  gain: number;
  /** The level (0 = 4×4) whose growth adds the layer. */
  level: number;
  /** 'block' layers run from their level on; 'rgb' layers (toRGB, fromRGB) at their level and in the next level's fade-in. */
  role: 'block' | 'rgb';
  /** One bias per channel of the reshaped 4×4 output (G's first layer, as the official code) instead of one per unit. */
  channelBias?: boolean;
}

const conv = (name: string, kernel: number, inC: number, out: number, level: number, role: 'block' | 'rgb', gain = HE_GAIN): ProganLayer => ({
  name,
  kind: 'conv',
  kernel,
  in: inC,
  out,
  fanIn: kernel * kernel * inC,
  gain,
  level,
  role,
});

/** '4x4', '8x8', …: the name of a level's block. */
export const blockName = (level: number): string => `${levelResolution(level)}x${levelResolution(level)}`;

/**
 * G (Karras et al. 2018, Table 2): the latent's 4×4 "convolution" (a dense layer to 4·4·nf) and a
 * 3×3 conv; per further level two 3×3 convs after the 2× upsampling; a 1×1 toRGB per level (gain 1).
 */
export function proganGeneratorLayers(config: ProganConfig): ProganLayer[] {
  const nf = (level: number) => proganFeatures(config.width, levelResolution(level));
  const layers: ProganLayer[] = [
    {
      name: '4x4/dense',
      kind: 'dense',
      kernel: 1,
      in: config.latentDim,
      out: 16 * nf(0),
      fanIn: 16 * config.latentDim,
      gain: HE_GAIN,
      level: 0,
      role: 'block',
      channelBias: true,
    },
    conv('4x4/conv', 3, nf(0), nf(0), 0, 'block'),
  ];
  for (let l = 1; l <= proganLevels(config.resolution); l++) {
    layers.push(conv(`${blockName(l)}/conv0`, 3, nf(l - 1), nf(l), l, 'block'), conv(`${blockName(l)}/conv1`, 3, nf(l), nf(l), l, 'block'));
  }
  for (let l = 0; l <= proganLevels(config.resolution); l++) layers.push(conv(`${blockName(l)}/torgb`, 1, nf(l), config.channels, l, 'rgb', 1));
  return layers;
}

/**
 * D mirrors G (Table 2): a 1×1 fromRGB per level; per level above 4×4 two 3×3 convs (the second to
 * the next level's channels) before the 2× average pool; at 4×4 the minibatch-stddev channel, a 3×3
 * conv, the 4×4 "convolution" (a dense layer) and a dense layer to one logit (gain 1).
 */
export function proganDiscriminatorLayers(config: ProganConfig): ProganLayer[] {
  const nf = (level: number) => proganFeatures(config.width, levelResolution(level));
  const levels = proganLevels(config.resolution);
  const layers: ProganLayer[] = [];
  for (let l = 0; l <= levels; l++) layers.push(conv(`${blockName(l)}/fromrgb`, 1, config.channels, nf(l), l, 'rgb'));
  for (let l = levels; l >= 1; l--) {
    layers.push(conv(`${blockName(l)}/conv0`, 3, nf(l), nf(l), l, 'block'), conv(`${blockName(l)}/conv1`, 3, nf(l), nf(l - 1), l, 'block'));
  }
  layers.push(conv('4x4/conv', 3, nf(0) + 1, nf(0), 0, 'block'));
  layers.push({ name: '4x4/dense0', kind: 'dense', kernel: 1, in: 16 * nf(0), out: nf(0), fanIn: 16 * nf(0), gain: HE_GAIN, level: 0, role: 'block' });
  layers.push({ name: '4x4/dense1', kind: 'dense', kernel: 1, in: nf(0), out: 1, fanIn: nf(0), gain: 1, level: 0, role: 'block' });
  return layers;
}

/** Whether a layer runs in this phase: blocks up to the current level; the rgb layers of this level and, while fading, the previous one's. */
export function layerActive(layer: ProganLayer, phase: ProganPhase): boolean {
  if (layer.role === 'block') return layer.level <= phase.level;
  return layer.level === phase.level || (phase.alpha < 1 && layer.level === phase.level - 1);
}

const biasName = (prefix: string, layer: ProganLayer) => `${prefix}/${layer.name}/${layer.channelBias ? 'channel_bias' : 'bias'}`;

/** Weights N(0, 1) (scaled at run time, see equalizedWeight), biases 0. */
export function initProganLayers(params: ParamStore, prefix: string, layers: readonly ProganLayer[], rng: Rng): void {
  for (const layer of layers) {
    const name = `${prefix}/${layer.name}`;
    if (layer.kind === 'dense') initDense(params, name, layer.in, layer.out, rng, 1, false);
    else initConv2d(params, name, layer.kernel, layer.in, layer.out, rng, 1, false);
    params.create(biasName(prefix, layer), tf.zeros([layer.channelBias ? layer.out / 16 : layer.out]));
  }
}

/** The layer's weight scaled by its He constant, then through the caller's transform (spectral norm) when there is one. */
function layerTransform(layer: ProganLayer, outer: WeightTransform | undefined): WeightTransform {
  return equalizedWeight(heScale(layer.fanIn, layer.gain), outer);
}

/** x W·c + b (dense) or conv(x, W·c) + b ('same' padding, stride 1); G's first layer returns [N, 4, 4, nf] with its per-channel bias. */
export function applyLayer(params: ParamStore, prefix: string, layer: ProganLayer, x: tf.Tensor, outer: WeightTransform | undefined): tf.Tensor {
  const name = `${prefix}/${layer.name}`;
  const weightTransform = layerTransform(layer, outer);
  const bias = params.get(biasName(prefix, layer));
  if (layer.kind === 'conv') return tf.add(conv2d(params, name, x, { weightTransform, strides: 1 }), bias);
  const y = dense(params, name, x, { weightTransform });
  return layer.channelBias ? tf.add(tf.reshape(y, [x.shape[0] as number, 4, 4, layer.out / 16]), bias) : tf.add(y, bias);
}

/**
 * 0·Σ(weights and biases of the layers this phase skips), to add to a training output. Every
 * parameter then gets a gradient (zero) on every step: tfjs's Adam keeps its moments by position
 * in the gradient list, which must not shift when growth changes the layers in use, and a
 * reparametrization's state (spectral norm's u) exists from the first step, so checkpoints hold
 * the same names throughout. A zero gradient leaves a parameter whose moments are zero unchanged.
 */
export function inactiveTerm(
  params: ParamStore,
  prefix: string,
  layers: readonly ProganLayer[],
  phase: ProganPhase,
  outer: WeightTransform | undefined,
): tf.Scalar | null {
  const idle = layers.filter((layer) => !layerActive(layer, phase));
  if (idle.length === 0) return null;
  const sums = idle.flatMap((layer) => {
    const kernelName = `${prefix}/${layer.name}/kernel`;
    return [tf.sum(layerTransform(layer, outer)(params.get(kernelName), kernelName)), tf.sum(params.get(biasName(prefix, layer)))];
  });
  return tf.mul(0, tf.addN(sums)) as tf.Scalar;
}

/** Trainable scalars of a layer table: kernels and biases. */
export function layerParameterCount(layers: readonly ProganLayer[]): number {
  return layers.reduce((n, l) => n + l.kernel * l.kernel * l.in * l.out + (l.channelBias ? l.out / 16 : l.out), 0);
}

/** Trainable scalars of both networks, every level's layers included (they all exist from the start). */
export function proganParameterCount(config: ProganConfig): { generator: number; discriminator: number } {
  return { generator: layerParameterCount(proganGeneratorLayers(config)), discriminator: layerParameterCount(proganDiscriminatorLayers(config)) };
}
