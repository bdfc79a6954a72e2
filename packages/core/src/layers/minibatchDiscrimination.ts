import { abs, concat, exp, expandDims, matMul, neg, reshape, sub, sum, type Tensor, type Tensor2D, type Tensor3D, tidy } from '@tensorflow/tfjs-core';
import type { ParamStore } from '../params.js';
import type { Rng } from '../rng.js';
import { DCGAN_INIT_STD, transformed, type WeightOptions } from './types.js';

/** The learned tensor T ∈ R^{A×B×C}: A input features, B kernels, C dimensions per kernel. */
export function initMinibatchDiscrimination(
  params: ParamStore,
  prefix: string,
  inFeatures: number,
  kernels: number,
  kernelDims: number,
  rng: Rng,
  std = DCGAN_INIT_STD,
): void {
  params.create(`${prefix}/kernel`, rng.normalTensor([inFeatures, kernels, kernelDims], 0, std));
}

export interface MinibatchDiscriminationOptions extends WeightOptions {
  /** false (the paper, Sec. 3.2): o(x_i)_b sums over every j, i included (adding exp(0) = 1); true: j ≠ i, as OpenAI's released code does */
  excludeSelf?: boolean;
}

/**
 * Minibatch discrimination (Salimans et al. 2016, Sec. 3.2): M_i = f(x_i)·T ∈ R^{B×C},
 * c_b(x_i, x_j) = exp(−‖M_{i,b} − M_{j,b}‖_L1), o(x_i)_b = Σ_j c_b(x_i, x_j); returns [f(x), o(x)] of shape [N, A + B].
 * The pairwise differences take N²·B·C floats.
 */
export function minibatchDiscrimination(params: ParamStore, prefix: string, x: Tensor2D, options: MinibatchDiscriminationOptions = {}): Tensor2D {
  const kernel = transformed(params.get(`${prefix}/kernel`), `${prefix}/kernel`, options) as Tensor3D;
  const [a, b, c] = kernel.shape;
  if (x.shape[1] !== a) throw new Error(`minibatchDiscrimination ${prefix}: input has ${x.shape[1]} features, T expects ${a}`);
  return tidy(() => {
    const n = x.shape[0];
    const m = reshape(matMul(x, reshape(kernel, [a, b * c]) as Tensor2D), [n, b, c]);
    const l1 = sum(abs(sub(expandDims(m, 1), expandDims(m, 0))), 3); // [N, N, B]: ‖M_{i,b} − M_{j,b}‖_L1
    let o: Tensor = sum(exp(neg(l1)), 1); // [N, B]
    if (options.excludeSelf === true) o = sub(o, 1);
    return concat([x, o as Tensor2D], 1);
  });
}
