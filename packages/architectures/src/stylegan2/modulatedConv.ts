import { tf } from '@ganbench/core';
import { upsample2d } from './resample.js';

/** ε under the square root of the demodulation (official code: 1e-8). */
export const DEMODULATION_EPSILON = 1e-8;

export interface ModulatedConvOptions {
  demodulate: boolean;
  /** Upsample 2× (the [1, 3, 3, 1] filter) between the modulation and the convolution. */
  up?: boolean;
}

/**
 * d[n, o] = 1/√(Σ_{i,kh,kw} (w[kh, kw, i, o]·s[n, i])² + ε) (Karras et al. 2020, Eq. 3), as
 * s² [N, in] · Σ_{kh,kw} w² [in, out]: no per-sample weight is ever formed.
 */
export function demodulation(weight: tf.Tensor4D, styles: tf.Tensor2D): tf.Tensor2D {
  const [kh, kw, inChannels, outChannels] = weight.shape;
  const spatialSquares = tf.reshape(tf.sum(tf.reshape(tf.square(weight), [kh * kw, inChannels * outChannels]), 0), [inChannels, outChannels]);
  return tf.rsqrt(tf.add(tf.matMul(tf.square(styles), spatialSquares as tf.Tensor2D), DEMODULATION_EPSILON)) as tf.Tensor2D;
}

/**
 * Modulated convolution (Karras et al. 2020, Sec. 2.2, Eqs. 1–3) without grouped convolution,
 * which tfjs lacks: scale input channels by the style s [N, in], convolve with the shared weight
 * [k, k, in, out] ('same', zero padding), scale each sample's output channels by d. Equal to
 * convolving sample n with w'' = w·s[n]·d[n] because both scalings are per channel, hence linear.
 */
export function modulatedConv2d(x: tf.Tensor4D, weight: tf.Tensor4D, styles: tf.Tensor2D, options: ModulatedConvOptions): tf.Tensor4D {
  const [n, , , inChannels] = x.shape;
  const outChannels = weight.shape[3];
  let h = tf.mul(x, tf.reshape(styles, [n, 1, 1, inChannels])) as tf.Tensor4D;
  if (options.up === true) h = upsample2d(h);
  const y = tf.conv2d(h, weight, 1, 'same');
  if (!options.demodulate) return y;
  return tf.mul(y, tf.reshape(demodulation(weight, styles), [n, 1, 1, outChannels]));
}
