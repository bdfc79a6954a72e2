import { batchNorm, conv2d, initBatchNorm, type ParamStore, type Rng, tf, upsampleNearest, type WeightOptions } from '@ganbench/core';
import { initSnConv2d } from './init.js';
import type { BlockLayout } from './layout.js';

/** The shortcut learns a 1×1 convolution only where the channels change; otherwise it is the upsampled input. */
export const generatorShortcutLearned = (block: BlockLayout): boolean => block.in !== block.out;

/** `${prefix}/bn1`, `conv1` 3×3, `bn2`, `conv2` 3×3 and, when the channels change, the 1×1 `shortcut`. */
export function initGeneratorBlock(params: ParamStore, prefix: string, block: BlockLayout, rng: Rng): void {
  initBatchNorm(params, `${prefix}/bn1`, block.in);
  initSnConv2d(params, `${prefix}/conv1`, 3, block.in, block.out, rng);
  initBatchNorm(params, `${prefix}/bn2`, block.out);
  initSnConv2d(params, `${prefix}/conv2`, 3, block.out, block.out, rng);
  if (generatorShortcutLearned(block)) initSnConv2d(params, `${prefix}/shortcut`, 1, block.in, block.out, rng);
}

/** Residual up-block (SAGAN generator.py `block`): BN, ReLU, 2× nearest upsample, conv 3×3, BN, ReLU, conv 3×3, plus the upsampled shortcut. */
export function generatorBlock(
  params: ParamStore,
  prefix: string,
  x: tf.Tensor4D,
  block: BlockLayout,
  options: WeightOptions & { training: boolean },
): tf.Tensor4D {
  const w: WeightOptions = options.weightTransform === undefined ? {} : { weightTransform: options.weightTransform };
  const bnRelu = (name: string, h: tf.Tensor) => tf.relu(batchNorm(params, `${prefix}/${name}`, h, { training: options.training }));
  let h = conv2d(params, `${prefix}/conv1`, upsampleNearest(bnRelu('bn1', x)), w);
  h = conv2d(params, `${prefix}/conv2`, bnRelu('bn2', h), w);
  const up = upsampleNearest(x);
  const shortcut = generatorShortcutLearned(block) ? conv2d(params, `${prefix}/shortcut`, up, w) : up;
  return tf.add(h, shortcut);
}
