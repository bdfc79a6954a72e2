import { type ParamStore, type Rng, tf } from '@ganbench/core';
import type { NetworkOptions } from '../types.js';
import { type StyleGan2Config, stylegan2NumWs } from './config.js';
import { mapping, truncate, updateWAvg } from './mapping.js';

/**
 * Style mixing regularization (Karras et al. 2019, Sec. 3.1): with probability p a batch takes
 * w₁ = f(z₁) for layers < c and w₂ = f(z₂) from c on, c uniform on 1 … numWs − 1, one crossover for
 * the batch as the official code. Draws, in order: u = rng.uniform(); if u < p, c = 1 + rng.int(numWs − 1),
 * then z₂ = rng.normalTensor([N, latentDim]). Returns null (no mixing) when u ≥ p; p = 0 draws nothing.
 */
export function drawMixingCutoff(rng: Rng, probability: number, numWs: number): number | null {
  if (probability <= 0 || numWs < 2) return null;
  return rng.uniform() < probability ? 1 + rng.int(numWs - 1) : null;
}

/** [N, numWs, wDim]: rows l < cutoff from w1, the rest from w2. */
export function mixStyles(w1: tf.Tensor2D, w2: tf.Tensor2D, cutoff: number, numWs: number): tf.Tensor3D {
  return tf.tidy(() => tf.concat([broadcastStyles(w1, cutoff), broadcastStyles(w2, numWs - cutoff)], 1));
}

/** The same w for `count` layers: [N, count, wDim]. */
export function broadcastStyles(w: tf.Tensor2D, count: number): tf.Tensor3D {
  const [n, d] = w.shape;
  return tf.tile(tf.reshape(w, [n, 1, d]), [1, count, 1]) as tf.Tensor3D;
}

/**
 * z → ws [N, numWs, wDim], the per-layer styles the synthesis network takes. Training mode: w̄ is
 * updated from f(z) and, given an rng, style mixing applies. Otherwise the truncation trick toward w̄.
 */
export function generatorStyles(params: ParamStore, prefix: string, z: tf.Tensor, config: StyleGan2Config, options: NetworkOptions): tf.Tensor3D {
  const numWs = stylegan2NumWs(config.resolution);
  return tf.tidy(() => {
    const w = mapping(params, prefix, z, config);
    if (!options.training) return truncate(params, prefix, broadcastStyles(w, numWs), config.truncation) as tf.Tensor3D;
    updateWAvg(params, prefix, w);
    const cutoff = options.rng === undefined ? null : drawMixingCutoff(options.rng, config.styleMixing, numWs);
    if (cutoff === null || options.rng === undefined) return broadcastStyles(w, numWs);
    const w2 = mapping(params, prefix, options.rng.normalTensor([z.shape[0] as number, config.latentDim]), config);
    return mixStyles(w, w2, cutoff, numWs);
  });
}
