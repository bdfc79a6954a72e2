import { leakyRelu, type ParamStore, pixelNorm, type Rng, tf, upsampleNearest } from '@ganbench/core';
import { checkLatent } from '../dcgan/imageShape.js';
import type { NetworkOptions } from '../types.js';
import { PROGAN_LEAKY_SLOPE, type ProganConfig, proganLevels } from './config.js';
import { applyLayer, blockName, inactiveTerm, initProganLayers, type ProganLayer, proganGeneratorLayers } from './layers.js';
import { type ProganPhase, proganPhase } from './schedule.js';

export function initProganGenerator(params: ParamStore, prefix: string, config: ProganConfig, rng: Rng): void {
  initProganLayers(params, prefix, proganGeneratorLayers(config), rng);
}

/**
 * G at a phase: z → pixel norm → 4×4 block → (2× nearest upsample, two 3×3 convs)… → toRGB, every
 * conv followed by leaky ReLU 0.2 and pixel norm (Karras et al. 2018, Sec. 4.2). While level L
 * fades in, the image is (1−α)·up(toRGB_{L−1}(h_{L−1})) + α·toRGB_L(h_L) (Sec. 3, Fig. 2). Below the
 * target level the image is nearest-upsampled to the full resolution so shapes stay fixed; D's
 * average pooling undoes that exactly, so D sees G's true low-resolution image. Output is linear, as the paper's.
 */
export function proganGeneratorAt(
  params: ParamStore,
  prefix: string,
  z: tf.Tensor,
  config: ProganConfig,
  phase: ProganPhase,
  options: NetworkOptions,
): tf.Tensor4D {
  checkLatent(`progan ${prefix}`, z, config.latentDim);
  const layers = proganGeneratorLayers(config);
  const byName = new Map(layers.map((l) => [l.name, l]));
  const outer = options.weightTransform;
  const levels = proganLevels(config.resolution);
  const { level, alpha } = phase;
  return tf.tidy(() => {
    const run = (name: string, x: tf.Tensor) => applyLayer(params, prefix, byName.get(name) as ProganLayer, x, outer);
    const act = (x: tf.Tensor) => pixelNorm(leakyRelu(x, PROGAN_LEAKY_SLOPE));
    const block = (l: number, h: tf.Tensor) => act(run(`${blockName(l)}/conv1`, act(run(`${blockName(l)}/conv0`, upsampleNearest(h)))));
    let h = act(run('4x4/conv', act(run('4x4/dense', pixelNorm(z)))));
    for (let l = 1; l < level; l++) h = block(l, h);
    let image: tf.Tensor;
    if (level === 0) image = run(`${blockName(0)}/torgb`, h);
    else {
      const grown = run(`${blockName(level)}/torgb`, block(level, h));
      image = alpha < 1 ? tf.add(tf.mul(1 - alpha, upsampleNearest(run(`${blockName(level - 1)}/torgb`, h))), tf.mul(alpha, grown)) : grown;
    }
    if (level < levels) image = upsampleNearest(image, 2 ** (levels - level));
    const idle = options.training ? inactiveTerm(params, prefix, layers, phase, outer) : null;
    return (idle === null ? image : tf.add(image, idle)) as tf.Tensor4D;
  });
}

/** G at the phase options.step implies (fully grown without a step): NHWC images at the full resolution. */
export function proganGenerator(params: ParamStore, prefix: string, z: tf.Tensor, config: ProganConfig, options: NetworkOptions): tf.Tensor4D {
  return proganGeneratorAt(params, prefix, z, config, proganPhase(config, options.step), options);
}
