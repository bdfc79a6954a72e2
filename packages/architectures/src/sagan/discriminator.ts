import { dense, type ParamStore, type Rng, tf, type WeightTransform } from '@ganbench/core';
import { checkImages } from '../dcgan/imageShape.js';
import type { NetworkOptions } from '../types.js';
import { initSelfAttention, selfAttention } from './attention.js';
import type { SaganConfig } from './config.js';
import { discriminatorBlock, initDiscriminatorBlock } from './discriminatorBlock.js';
import { initSnDense } from './init.js';
import { saganLayout } from './layout.js';
import { saganWeightTransform } from './spectralNorm.js';

/** `${prefix}/block{i}` for each down-block, `attention` after the block at the attention resolution, then `fc` to one logit. */
export function initSaganDiscriminator(params: ParamStore, prefix: string, config: SaganConfig, rng: Rng): void {
  const { discriminator } = saganLayout(config);
  discriminator.blocks.forEach((block, i) => {
    initDiscriminatorBlock(params, `${prefix}/block${i}`, block, rng);
    if (i === discriminator.attentionAfter) initSelfAttention(params, `${prefix}/attention`, block.out, rng);
  });
  const last = discriminator.blocks[discriminator.blocks.length - 1] as { out: number };
  initSnDense(params, `${prefix}/fc`, last.out, 1, rng);
}

function saganFeaturesWith(params: ParamStore, prefix: string, x: tf.Tensor, config: SaganConfig, weightTransform: WeightTransform): tf.Tensor2D {
  checkImages(`sagan ${prefix}`, x, config.resolution, config.channels);
  const { discriminator } = saganLayout(config);
  return tf.tidy(() => {
    let h = x as tf.Tensor4D;
    discriminator.blocks.forEach((block, i) => {
      h = discriminatorBlock(params, `${prefix}/block${i}`, h, block, i === 0, { weightTransform });
      if (i === discriminator.attentionAfter) h = selfAttention(params, `${prefix}/attention`, h, { weightTransform });
    });
    return tf.sum(tf.relu(h), [1, 2]) as tf.Tensor2D;
  });
}

/** D's features [N, C]: the ReLU'd last block summed over positions, the input of its SN dense logit (what feature matching compares). */
export function saganFeatures(params: ParamStore, prefix: string, x: tf.Tensor, config: SaganConfig, options: NetworkOptions): tf.Tensor2D {
  return saganFeaturesWith(params, prefix, x, config, saganWeightTransform(params, config.powerIterations, options));
}

/**
 * SAGAN's discriminator (discriminator.py; BigGAN's D_arch): an optimized first block, residual
 * down-blocks with self-attention at the attention resolution, ReLU, sum over positions (saganFeatures), SN dense:
 * logits [N]. Every weight is spectrally normalized; no batch norm, so each logit depends on its sample only.
 */
export function saganDiscriminator(params: ParamStore, prefix: string, x: tf.Tensor, config: SaganConfig, options: NetworkOptions): tf.Tensor1D {
  // One transform for the whole pass, so each u advances once per forward pass.
  const weightTransform = saganWeightTransform(params, config.powerIterations, options);
  return tf.tidy(
    () => tf.reshape(dense(params, `${prefix}/fc`, saganFeaturesWith(params, prefix, x, config, weightTransform), { weightTransform }), [-1]) as tf.Tensor1D,
  );
}
