import { type ParamStore, pixelNorm, type Rng, tf } from '@ganbench/core';
import type { StyleGan2Config } from './config.js';
import { equalizedDense, initEqualized, lreluGain } from './equalized.js';

/** Decay of the tracked average w̄ that truncation pulls toward (official dlatent_avg_beta / w_avg_beta). */
export const W_AVG_DECAY = 0.995;

export const wAvgName = (prefix: string) => `${prefix}/w_avg`;

/** `${prefix}/mapping/fc{i}` (equalized, lrMul = config.mappingLrMul) and the non-trainable w̄ = 0. */
export function initMapping(params: ParamStore, prefix: string, config: StyleGan2Config, rng: Rng): void {
  for (let i = 0; i < config.mappingLayers; i++) {
    const inUnits = i === 0 ? config.latentDim : config.wDim;
    initEqualized(params, `${prefix}/mapping/fc${i}`, [inUnits, config.wDim], rng.fork(`fc${i}`), { lrMul: config.mappingLrMul });
  }
  params.create(wAvgName(prefix), tf.zeros([config.wDim]), { trainable: false });
}

/** Mapping network f: z → w (Karras et al. 2019, Sec. 2): z/√(mean z² + ε), then dense + leaky ReLU 0.2 (gain √2) per layer. */
export function mapping(params: ParamStore, prefix: string, z: tf.Tensor, config: StyleGan2Config): tf.Tensor2D {
  return tf.tidy(() => {
    let h: tf.Tensor = pixelNorm(z);
    for (let i = 0; i < config.mappingLayers; i++) h = lreluGain(equalizedDense(params, `${prefix}/mapping/fc${i}`, h, config.mappingLrMul));
    return h as tf.Tensor2D;
  });
}

/** w̄ ← mean_batch(w) + β(w̄ − mean_batch(w)), β = 0.995, from a training batch's (unmixed) w. */
export function updateWAvg(params: ParamStore, prefix: string, w: tf.Tensor2D): void {
  const average = params.get(wAvgName(prefix));
  tf.tidy(() => {
    const batchMean = tf.mean(w, 0);
    average.assign(tf.add(batchMean, tf.mul(tf.sub(average, batchMean), W_AVG_DECAY)));
  });
}

/** Truncation trick in W (Karras et al. 2019, App. B): w' = w̄ + ψ(w − w̄), on every layer's w. */
export function truncate(params: ParamStore, prefix: string, ws: tf.Tensor, psi: number): tf.Tensor {
  if (psi === 1) return ws;
  const average = params.get(wAvgName(prefix));
  return tf.tidy(() => tf.add(average, tf.mul(tf.sub(ws, average), psi)));
}
