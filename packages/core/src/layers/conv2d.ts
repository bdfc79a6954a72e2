import { add, type Tensor, type Tensor4D, conv2d as tfConv2d, zeros } from '@tensorflow/tfjs-core';
import type { ParamStore } from '../params.js';
import type { Rng } from '../rng.js';
import { DCGAN_INIT_STD, transformed, type WeightOptions } from './types.js';

export interface ConvOptions extends WeightOptions {
  strides?: number;
  pad?: 'same' | 'valid';
}

/** Kernel [kh, kw, in, out] as tf.conv2d takes it. */
export function initConv2d(
  params: ParamStore,
  prefix: string,
  kernelSize: number,
  inChannels: number,
  outChannels: number,
  rng: Rng,
  std = DCGAN_INIT_STD,
  bias = true,
): void {
  params.create(`${prefix}/kernel`, rng.normalTensor([kernelSize, kernelSize, inChannels, outChannels], 0, std));
  if (bias) params.create(`${prefix}/bias`, zeros([outChannels]));
}

/** NHWC convolution (cross-correlation, as every framework computes it) plus bias. */
export function conv2d(params: ParamStore, prefix: string, x: Tensor, options: ConvOptions = {}): Tensor4D {
  const kernel = transformed(params.get(`${prefix}/kernel`), `${prefix}/kernel`, options);
  const y = tfConv2d(x as Tensor4D, kernel as Tensor4D, options.strides ?? 1, options.pad ?? 'same');
  return (params.has(`${prefix}/bias`) ? add(y, params.get(`${prefix}/bias`)) : y) as Tensor4D;
}
