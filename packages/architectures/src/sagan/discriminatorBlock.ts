import { avgPoolDownsample, conv2d, type ParamStore, type Rng, tf, type WeightOptions } from '@ganbench/core';
import { initSnConv2d } from './init.js';
import type { DiscriminatorBlockLayout } from './layout.js';

/** A 1×1 shortcut where the block downsamples or changes the channels, as SAGAN's and BigGAN's D blocks; otherwise the identity. */
export const discriminatorShortcutLearned = (block: DiscriminatorBlockLayout): boolean => block.downsample || block.in !== block.out;

/** `${prefix}/conv1` 3×3, `conv2` 3×3 and, where learned, the 1×1 `shortcut`. */
export function initDiscriminatorBlock(params: ParamStore, prefix: string, block: DiscriminatorBlockLayout, rng: Rng): void {
  initSnConv2d(params, `${prefix}/conv1`, 3, block.in, block.out, rng);
  initSnConv2d(params, `${prefix}/conv2`, 3, block.out, block.out, rng);
  if (discriminatorShortcutLearned(block)) initSnConv2d(params, `${prefix}/shortcut`, 1, block.in, block.out, rng);
}

/**
 * Residual down-block (SAGAN discriminator.py `block`): ReLU, conv 3×3, ReLU, conv 3×3, 2× average
 * pool; shortcut 1×1 conv then pool. The `optimized` first block (`optimized_block`, Miyato et al.
 * 2018) sees the image itself: no ReLU before conv1, and its shortcut pools before the 1×1 conv.
 */
export function discriminatorBlock(
  params: ParamStore,
  prefix: string,
  x: tf.Tensor4D,
  block: DiscriminatorBlockLayout,
  optimized: boolean,
  options: WeightOptions,
): tf.Tensor4D {
  const down = (t: tf.Tensor4D) => (block.downsample ? avgPoolDownsample(t) : t);
  let h = conv2d(params, `${prefix}/conv1`, optimized ? x : tf.relu(x), options);
  h = down(conv2d(params, `${prefix}/conv2`, tf.relu(h), options));
  if (!discriminatorShortcutLearned(block)) return tf.add(h, x);
  const shortcut = optimized ? conv2d(params, `${prefix}/shortcut`, down(x), options) : down(conv2d(params, `${prefix}/shortcut`, x, options));
  return tf.add(h, shortcut);
}
