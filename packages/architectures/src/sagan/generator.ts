import { batchNorm, conv2d, dense, initBatchNorm, type ParamStore, type Rng, tf } from '@ganbench/core';
import { checkLatent } from '../dcgan/imageShape.js';
import type { NetworkOptions } from '../types.js';
import { initSelfAttention, selfAttention } from './attention.js';
import type { SaganConfig } from './config.js';
import { generatorBlock, initGeneratorBlock } from './generatorBlock.js';
import { initSnConv2d, initSnDense } from './init.js';
import { saganLayout } from './layout.js';
import { saganWeightTransform } from './spectralNorm.js';

/** `${prefix}/fc`, `block{i}` for each up-block, `attention` after the block at the attention resolution, `bn`, then the 3×3 `out` to the image. */
export function initSaganGenerator(params: ParamStore, prefix: string, config: SaganConfig, rng: Rng): void {
  const { base, generator } = saganLayout(config);
  const first = generator.blocks[0] as { in: number };
  initSnDense(params, `${prefix}/fc`, config.latentDim, base * base * first.in, rng);
  generator.blocks.forEach((block, i) => {
    initGeneratorBlock(params, `${prefix}/block${i}`, block, rng);
    if (i === generator.attentionAfter) initSelfAttention(params, `${prefix}/attention`, block.out, rng);
  });
  const last = generator.blocks[generator.blocks.length - 1] as { out: number };
  initBatchNorm(params, `${prefix}/bn`, last.out);
  initSnConv2d(params, `${prefix}/out`, 3, last.out, config.channels, rng);
}

/**
 * SAGAN's generator (brain-research/self-attention-gan generator.py; BigGAN's G_arch): z → SN dense
 * → 4×4 → residual up-blocks, self-attention at the attention resolution → BN, ReLU → SN conv 3×3
 * → tanh: NHWC images in [−1, 1]. Every weight is spectrally normalized (Zhang et al. 2019, Sec. 4.1).
 */
export function saganGenerator(params: ParamStore, prefix: string, z: tf.Tensor, config: SaganConfig, options: NetworkOptions): tf.Tensor4D {
  checkLatent(`sagan ${prefix}`, z, config.latentDim);
  const { base, generator } = saganLayout(config);
  const weightTransform = saganWeightTransform(params, config.powerIterations, options);
  return tf.tidy(() => {
    const first = generator.blocks[0] as { in: number };
    let h = tf.reshape(dense(params, `${prefix}/fc`, z, { weightTransform }), [z.shape[0] as number, base, base, first.in]) as tf.Tensor4D;
    generator.blocks.forEach((block, i) => {
      h = generatorBlock(params, `${prefix}/block${i}`, h, block, { weightTransform, training: options.training });
      if (i === generator.attentionAfter) h = selfAttention(params, `${prefix}/attention`, h, { weightTransform });
    });
    h = tf.relu(batchNorm(params, `${prefix}/bn`, h, { training: options.training })) as tf.Tensor4D;
    return tf.tanh(conv2d(params, `${prefix}/out`, h, { weightTransform }));
  });
}
