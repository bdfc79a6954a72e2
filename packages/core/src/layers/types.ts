import type { Tensor } from '@tensorflow/tfjs-core';

/**
 * Applied to a layer's weight each time the layer runs; spectral normalization
 * (W/σ(W), Miyato et al. 2018) plugs in here without the layer knowing. `name` is the
 * parameter's full name, so a transform can keep per-layer state (the power-iteration u).
 */
export type WeightTransform = (weight: Tensor, name: string) => Tensor;

export interface WeightOptions {
  weightTransform?: WeightTransform;
}

/** Standard deviation of the N(0, std²) weight initializer; DCGAN (Radford et al. 2016) uses 0.02. */
export const DCGAN_INIT_STD = 0.02;

export function transformed(weight: Tensor, name: string, options: WeightOptions): Tensor {
  return options.weightTransform === undefined ? weight : options.weightTransform(weight, name);
}
