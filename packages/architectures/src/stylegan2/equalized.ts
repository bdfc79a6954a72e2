import { leakyRelu, type ParamStore, type Rng, tf, type WeightOptions } from '@ganbench/core';

/**
 * Equalized learning rate (Karras et al. 2018, Sec. 4.1), as the official StyleGAN2 code keeps it:
 * a weight is stored N(0, 1/lrMul²) and used × lrMul/√fan_in, so Adam's step is the same for every
 * layer; a bias is used × lrMul. lrMul = 0.01 slows the mapping network 100× (Karras et al. 2019, App. C).
 */
export interface EqualizedInit {
  lrMul?: number;
  /** The bias the layer starts with (1 for the style affines, so styles start at 1). */
  biasInit?: number;
  bias?: boolean;
}

/** fan_in of a dense [in, out] or conv [k, k, in, out] kernel: every axis but the last. */
export function fanIn(kernel: tf.Tensor): number {
  return kernel.size / (kernel.shape[kernel.rank - 1] as number);
}

export function initEqualized(params: ParamStore, name: string, shape: number[], rng: Rng, init: EqualizedInit = {}): void {
  const lrMul = init.lrMul ?? 1;
  params.create(`${name}/kernel`, rng.normalTensor(shape, 0, 1 / lrMul));
  if (init.bias ?? true) params.create(`${name}/bias`, tf.fill([shape[shape.length - 1] as number], (init.biasInit ?? 0) / lrMul));
}

/**
 * The weight a layer uses: stored × lrMul/√fan_in; a weight transform (spectral norm) sees that
 * scaled weight, so W/σ(W) stays 1-Lipschitz whatever the equalization constant.
 */
export function equalizedKernel(params: ParamStore, name: string, lrMul = 1, options: WeightOptions = {}): tf.Tensor {
  const stored = params.get(`${name}/kernel`);
  const scaled = tf.mul(stored, lrMul / Math.sqrt(fanIn(stored)));
  return options.weightTransform === undefined ? scaled : options.weightTransform(scaled, `${name}/kernel`);
}

function withBias(params: ParamStore, name: string, y: tf.Tensor, lrMul: number): tf.Tensor {
  return params.has(`${name}/bias`) ? tf.add(y, tf.mul(params.get(`${name}/bias`), lrMul)) : y;
}

/** y = x·W·lrMul/√in + b·lrMul on x [N, in]. */
export function equalizedDense(params: ParamStore, name: string, x: tf.Tensor, lrMul = 1, options: WeightOptions = {}): tf.Tensor2D {
  return withBias(params, name, tf.matMul(x as tf.Tensor2D, equalizedKernel(params, name, lrMul, options) as tf.Tensor2D), lrMul) as tf.Tensor2D;
}

/** NHWC convolution with an equalized kernel, plus bias; 'valid' with stride 2 after the resampling filter. */
export function equalizedConv2d(
  params: ParamStore,
  name: string,
  x: tf.Tensor4D,
  options: WeightOptions & { strides?: 1 | 2; pad?: 'same' | 'valid' } = {},
): tf.Tensor4D {
  const kernel = equalizedKernel(params, name, 1, options) as tf.Tensor4D;
  return withBias(params, name, tf.conv2d(x, kernel, options.strides ?? 1, options.pad ?? 'same'), 1) as tf.Tensor4D;
}

export const STYLEGAN2_LEAKY_SLOPE = 0.2;

/** Leaky ReLU 0.2 times the official code's gain √2 (bias_act 'lrelu'), which keeps activations near unit scale. */
export function lreluGain(x: tf.Tensor): tf.Tensor {
  return tf.mul(leakyRelu(x, STYLEGAN2_LEAKY_SLOPE), Math.SQRT2);
}
