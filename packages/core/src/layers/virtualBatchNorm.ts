import { add, div, mean, mul, ones, relu, rsqrt, scalar, square, sub, type Tensor, tidy, zeros } from '@tensorflow/tfjs-core';
import type { ParamStore } from '../params.js';

/** A reference batch's statistics per channel: mean μ_ref, mean square E_ref[x²] and the number of examples N_ref. */
export interface VirtualBatchNormReference {
  mean: Tensor;
  meanSquare: Tensor;
  size: Tensor;
}

/**
 * γ, β (trained) and the reference statistics (not trained: `reference_mean`, `reference_mean_square`,
 * `reference_size`), so a checkpoint of the store carries them bit for bit.
 */
export function initVirtualBatchNorm(params: ParamStore, prefix: string, channels: number): void {
  params.create(`${prefix}/gamma`, ones([channels]));
  params.create(`${prefix}/beta`, zeros([channels]));
  params.create(`${prefix}/reference_mean`, zeros([channels]), { trainable: false });
  params.create(`${prefix}/reference_mean_square`, ones([channels]), { trainable: false });
  params.create(`${prefix}/reference_size`, zeros([1]), { trainable: false });
}

/** μ and E[x²] of a reference batch over every axis but the last, and its number of examples. */
export function virtualBatchNormReference(reference: Tensor): VirtualBatchNormReference {
  return tidy(() => {
    const axes = reference.shape.slice(0, -1).map((_, i) => i);
    return { mean: mean(reference, axes), meanSquare: mean(square(reference), axes), size: scalar(reference.shape[0] as number) };
  });
}

function normalize(params: ParamStore, prefix: string, x: Tensor, mu: Tensor, meanSquare: Tensor, epsilon: number): Tensor {
  const variance = relu(sub(meanSquare, square(mu)));
  return add(mul(mul(sub(x, mu), rsqrt(add(variance, epsilon))), params.get(`${prefix}/gamma`)), params.get(`${prefix}/beta`));
}

/**
 * Fixes the reference batch's statistics in the store (reference_* ← its μ, E[x²], N) and returns the reference
 * batch normalized with its own statistics alone, as the paper does (Salimans et al. 2016, Sec. 3.4).
 */
export function recordVirtualBatchNormReference(params: ParamStore, prefix: string, reference: Tensor, epsilon = 1e-5): Tensor {
  return tidy(() => {
    const stats = virtualBatchNormReference(reference);
    params.get(`${prefix}/reference_mean`).assign(stats.mean);
    params.get(`${prefix}/reference_mean_square`).assign(stats.meanSquare);
    params.get(`${prefix}/reference_size`).assign(add(zeros([1]), stats.size));
    return normalize(params, prefix, reference, stats.mean, stats.meanSquare, epsilon);
  });
}

export interface VirtualBatchNormOptions {
  /** the reference statistics computed in this forward pass (differentiable, the paper's form); default: the recorded ones */
  reference?: VirtualBatchNormReference;
  epsilon?: number;
}

/**
 * Virtual batch normalization (Salimans et al. 2016, Sec. 3.4): each example x_i is normalized with the statistics of
 * the reference batch together with x_i itself, μ_i = (N_ref·μ_ref + m_i)/(N_ref + 1) and likewise E[x²]_i (m_i: x_i's
 * mean over its non-channel axes, as OpenAI's code weights them), y_i = γ (x_i − μ_i)/√(E[x²]_i − μ_i² + ε) + β.
 * No example sees another of its own batch.
 */
export function virtualBatchNorm(params: ParamStore, prefix: string, x: Tensor, options: VirtualBatchNormOptions = {}): Tensor {
  const epsilon = options.epsilon ?? 1e-5;
  return tidy(() => {
    const reference = options.reference ?? {
      mean: params.get(`${prefix}/reference_mean`),
      meanSquare: params.get(`${prefix}/reference_mean_square`),
      size: params.get(`${prefix}/reference_size`),
    };
    const perExampleAxes = x.shape.slice(1, -1).map((_, i) => i + 1);
    const own = perExampleAxes.length === 0 ? x : mean(x, perExampleAxes, true);
    const ownSquare = perExampleAxes.length === 0 ? square(x) : mean(square(x), perExampleAxes, true);
    const total = add(reference.size, 1);
    const combine = (refStat: Tensor, ownStat: Tensor) => div(add(mul(refStat, reference.size), ownStat), total);
    return normalize(params, prefix, x, combine(reference.mean, own), combine(reference.meanSquare, ownSquare), epsilon);
  });
}
