import { add, type Tensor, type Tensor4D, conv2dTranspose as tfConv2dTranspose, zeros } from '@tensorflow/tfjs-core';
import type { ParamStore } from '../params.js';
import type { Rng } from '../rng.js';
import type { ConvOptions } from './conv2d.js';
import { DCGAN_INIT_STD, transformed } from './types.js';

/** Kernel [kh, kw, out, in] as tf.conv2dTranspose takes it. */
export function initConv2dTranspose(
  params: ParamStore,
  prefix: string,
  kernelSize: number,
  inChannels: number,
  outChannels: number,
  rng: Rng,
  std = DCGAN_INIT_STD,
  bias = true,
): void {
  params.create(`${prefix}/kernel`, rng.normalTensor([kernelSize, kernelSize, outChannels, inChannels], 0, std));
  if (bias) params.create(`${prefix}/bias`, zeros([outChannels]));
}

/** The adjoint of a strided convolution: 'same' padding multiplies height and width by the stride. */
export function conv2dTranspose(params: ParamStore, prefix: string, x: Tensor, options: ConvOptions = {}): Tensor4D {
  const kernel = transformed(params.get(`${prefix}/kernel`), `${prefix}/kernel`, options) as Tensor4D;
  const strides = options.strides ?? 1;
  const pad = options.pad ?? 'same';
  const [n, h, w] = x.shape as [number, number, number, number];
  const [kh, kw, outChannels] = kernel.shape;
  const outH = pad === 'same' ? h * strides : (h - 1) * strides + kh;
  const outW = pad === 'same' ? w * strides : (w - 1) * strides + kw;
  const y = tfConv2dTranspose(x as Tensor4D, kernel, [n, outH, outW, outChannels], strides, pad);
  return (params.has(`${prefix}/bias`) ? add(y, params.get(`${prefix}/bias`)) : y) as Tensor4D;
}
