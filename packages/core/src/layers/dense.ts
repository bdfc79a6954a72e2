import { add, matMul, type Tensor, type Tensor2D, zeros } from '@tensorflow/tfjs-core';
import type { ParamStore } from '../params.js';
import type { Rng } from '../rng.js';
import { DCGAN_INIT_STD, transformed, type WeightOptions } from './types.js';

export function initDense(params: ParamStore, prefix: string, inUnits: number, outUnits: number, rng: Rng, std = DCGAN_INIT_STD, bias = true): void {
  params.create(`${prefix}/kernel`, rng.normalTensor([inUnits, outUnits], 0, std));
  if (bias) params.create(`${prefix}/bias`, zeros([outUnits]));
}

/** y = x W + b on x of shape [N, in]. */
export function dense(params: ParamStore, prefix: string, x: Tensor, options: WeightOptions = {}): Tensor2D {
  const kernel = transformed(params.get(`${prefix}/kernel`), `${prefix}/kernel`, options);
  const y = matMul(x as Tensor2D, kernel as Tensor2D);
  return (params.has(`${prefix}/bias`) ? add(y, params.get(`${prefix}/bias`)) : y) as Tensor2D;
}
