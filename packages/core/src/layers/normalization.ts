import { add, div, mean, moments, mul, ones, rsqrt, sqrt, square, sub, type Tensor, tidy, zeros } from '@tensorflow/tfjs-core';
import type { ParamStore } from '../params.js';

/*
 * Every normalization is written with elementary ops (moments, rsqrt, mul, add) rather than
 * tf.batchNorm, which breaks without offset and scale and whose fused gradient has no second
 * derivative; gradient penalties differentiate through these twice.
 */

export interface BatchNormOptions {
  training: boolean;
  /** running ← (1 − momentum)·running + momentum·batch, PyTorch's convention */
  momentum?: number;
  epsilon?: number;
}

/** γ, β and the running mean/variance (not trained) over the last axis. */
export function initBatchNorm(params: ParamStore, prefix: string, channels: number): void {
  params.create(`${prefix}/gamma`, ones([channels]));
  params.create(`${prefix}/beta`, zeros([channels]));
  params.create(`${prefix}/moving_mean`, zeros([channels]), { trainable: false });
  params.create(`${prefix}/moving_variance`, ones([channels]), { trainable: false });
}

/**
 * Batch normalization (Ioffe & Szegedy 2015): y = γ (x − μ_B)/√(σ²_B + ε) + β over every axis
 * but the last; in training mode it uses and records batch statistics, in eval mode the running ones.
 */
export function batchNorm(params: ParamStore, prefix: string, x: Tensor, options: BatchNormOptions): Tensor {
  const epsilon = options.epsilon ?? 1e-5;
  const gamma = params.get(`${prefix}/gamma`);
  const beta = params.get(`${prefix}/beta`);
  const movingMean = params.get(`${prefix}/moving_mean`);
  const movingVariance = params.get(`${prefix}/moving_variance`);
  if (!options.training) return affine(mul(sub(x, movingMean), rsqrt(add(movingVariance, epsilon))), gamma, beta);
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean: mu, variance } = moments(x, axes);
  const momentum = options.momentum ?? 0.1;
  const count = x.size / (x.shape[x.shape.length - 1] as number);
  tidy(() => {
    // The running variance is the unbiased estimate, as PyTorch keeps it.
    const unbiased = mul(variance, count / Math.max(count - 1, 1));
    movingMean.assign(add(mul(movingMean, 1 - momentum), mul(mu, momentum)));
    movingVariance.assign(add(mul(movingVariance, 1 - momentum), mul(unbiased, momentum)));
  });
  return affine(mul(sub(x, mu), rsqrt(add(variance, epsilon))), gamma, beta);
}

export function initLayerNorm(params: ParamStore, prefix: string, channels: number): void {
  params.create(`${prefix}/gamma`, ones([channels]));
  params.create(`${prefix}/beta`, zeros([channels]));
}

/** Layer normalization (Ba et al. 2016) over all axes but the batch axis; affine when the store has γ/β. */
export function layerNorm(x: Tensor, params?: ParamStore, prefix?: string, epsilon = 1e-5): Tensor {
  const axes = x.shape.slice(1).map((_, i) => i + 1);
  return normalizeOver(x, axes, epsilon, params, prefix);
}

/** Instance normalization (Ulyanov et al. 2016) over height and width per sample and channel. */
export function instanceNorm(x: Tensor, params?: ParamStore, prefix?: string, epsilon = 1e-5): Tensor {
  return normalizeOver(x, [1, 2], epsilon, params, prefix);
}

/** Pixelwise feature normalization (Karras et al. 2018): x / √(mean_c x² + ε). */
export function pixelNorm(x: Tensor, epsilon = 1e-8): Tensor {
  return mul(x, rsqrt(add(mean(square(x), -1, true), epsilon)));
}

function normalizeOver(x: Tensor, axes: number[], epsilon: number, params?: ParamStore, prefix?: string): Tensor {
  const { mean: mu, variance } = moments(x, axes, true);
  const y = div(sub(x, mu), sqrt(add(variance, epsilon)));
  if (params === undefined || prefix === undefined) return y;
  return affine(y, params.get(`${prefix}/gamma`), params.get(`${prefix}/beta`));
}

function affine(y: Tensor, gamma: Tensor, beta: Tensor): Tensor {
  return add(mul(y, gamma), beta);
}
