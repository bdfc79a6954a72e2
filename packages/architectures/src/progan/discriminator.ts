import { avgPoolDownsample, leakyRelu, minibatchStddev, type ParamStore, type Rng, tf, upsampleNearest } from '@ganbench/core';
import { checkImages } from '../dcgan/imageShape.js';
import type { NetworkOptions } from '../types.js';
import { PROGAN_LEAKY_SLOPE, type ProganConfig, proganLevels } from './config.js';
import { applyLayer, blockName, inactiveTerm, initProganLayers, type ProganLayer, proganDiscriminatorLayers } from './layers.js';
import { type ProganPhase, proganPhase } from './schedule.js';

export function initProganDiscriminator(params: ParamStore, prefix: string, config: ProganConfig, rng: Rng): void {
  initProganLayers(params, prefix, proganDiscriminatorLayers(config), rng);
}

/**
 * The input as level L sees it: 2× average pools down to 4·2^L, and while L fades in the blend
 * α·x_L + (1−α)·up(down(x_L)) that the official code applies to real images (Karras et al. 2018,
 * Sec. 3). D cannot tell real from fake, so the same linear blend reaches both; for α > 0 it is
 * invertible, so matching blended fakes to blended reals still matches the distributions.
 * Returns the blended input and down(x_L), which the fading-out fromRGB path reads.
 */
export function proganDiscriminatorInput(x: tf.Tensor, levels: number, phase: ProganPhase): { current: tf.Tensor; coarser: tf.Tensor | null } {
  let current = x;
  for (let i = phase.level; i < levels; i++) current = avgPoolDownsample(current);
  if (phase.level === 0 || phase.alpha >= 1) return { current, coarser: null };
  const coarser = avgPoolDownsample(current);
  return { current: tf.add(tf.mul(phase.alpha, current), tf.mul(1 - phase.alpha, upsampleNearest(coarser))), coarser };
}

/**
 * D's features [N, F] at a phase: fromRGB (1×1, leaky ReLU) at the current level → per level two 3×3 convs, leaky
 * ReLU 0.2, 2× average pool → at 4×4 minibatch stddev, 3×3 conv, dense, leaky ReLU: the input of the dense logit
 * (what feature matching compares). While level L fades in, the features entering level L−1 are
 * (1−α)·fromRGB_{L−1}(down(x)) + α·block_L(fromRGB_L(x)).
 */
export function proganFeaturesAt(
  params: ParamStore,
  prefix: string,
  x: tf.Tensor,
  config: ProganConfig,
  phase: ProganPhase,
  options: NetworkOptions,
): tf.Tensor2D {
  checkImages(`progan ${prefix}`, x, config.resolution, config.channels);
  const byName = new Map(proganDiscriminatorLayers(config).map((l) => [l.name, l]));
  const { level, alpha } = phase;
  return tf.tidy(() => {
    const run = (name: string, h: tf.Tensor) => applyLayer(params, prefix, byName.get(name) as ProganLayer, h, options.weightTransform);
    const act = (h: tf.Tensor) => leakyRelu(h, PROGAN_LEAKY_SLOPE);
    const block = (l: number, h: tf.Tensor) => avgPoolDownsample(act(run(`${blockName(l)}/conv1`, act(run(`${blockName(l)}/conv0`, h)))));
    const { current, coarser } = proganDiscriminatorInput(x, proganLevels(config.resolution), phase);
    let h = act(run(`${blockName(level)}/fromrgb`, current));
    if (level > 0) {
      h = block(level, h);
      if (coarser !== null) h = tf.add(tf.mul(1 - alpha, act(run(`${blockName(level - 1)}/fromrgb`, coarser))), tf.mul(alpha, h));
    }
    for (let l = level - 1; l >= 1; l--) h = block(l, h);
    h = act(run('4x4/conv', minibatchStddev(h as tf.Tensor4D, config.minibatchGroupSize)));
    return act(run('4x4/dense0', tf.reshape(h, [x.shape[0] as number, -1]))) as tf.Tensor2D;
  });
}

/** D at a phase: its features (proganFeaturesAt) → dense: logits [N] (Table 2). */
export function proganDiscriminatorAt(
  params: ParamStore,
  prefix: string,
  x: tf.Tensor,
  config: ProganConfig,
  phase: ProganPhase,
  options: NetworkOptions,
): tf.Tensor1D {
  const layers = proganDiscriminatorLayers(config);
  const last = layers.find((l) => l.name === '4x4/dense1') as ProganLayer;
  const outer = options.weightTransform;
  return tf.tidy(() => {
    const logits = tf.reshape(applyLayer(params, prefix, last, proganFeaturesAt(params, prefix, x, config, phase, options), outer), [-1]);
    const idle = options.training ? inactiveTerm(params, prefix, layers, phase, outer) : null;
    return (idle === null ? logits : tf.add(logits, idle)) as tf.Tensor1D;
  });
}

/** D's features [N, F] at the phase options.step implies (fully grown without a step). */
export function proganFeatures(params: ParamStore, prefix: string, x: tf.Tensor, config: ProganConfig, options: NetworkOptions): tf.Tensor2D {
  return proganFeaturesAt(params, prefix, x, config, proganPhase(config, options.step), options);
}

/** D at the phase options.step implies (fully grown without a step): logits [N] for full-resolution NHWC images. */
export function proganDiscriminator(params: ParamStore, prefix: string, x: tf.Tensor, config: ProganConfig, options: NetworkOptions): tf.Tensor1D {
  return proganDiscriminatorAt(params, prefix, x, config, proganPhase(config, options.step), options);
}
