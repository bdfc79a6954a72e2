import { tf, type WeightTransform } from '@ganbench/core';

/** He et al. 2015's gain for (leaky) ReLU layers; linear output layers (toRGB, D's logit) use gain 1, as the official code. */
export const HE_GAIN = Math.SQRT2;

/** Karras et al. 2018, Sec. 4.1: ŵᵢ = wᵢ/c, here as the multiplier gain/√fan_in (√(2/fan_in) for gain √2). */
export function heScale(fanIn: number, gain = HE_GAIN): number {
  return gain / Math.sqrt(fanIn);
}

/**
 * Equalized learning rate: weights are stored N(0, 1) and scaled by the layer's He constant on
 * every forward pass, so Adam's scale-invariant steps move every layer at the same relative speed.
 * A transform the caller passes (spectral norm) sees the scaled weight: it normalizes what the layer uses.
 */
export function equalizedWeight(scale: number, outer?: WeightTransform): WeightTransform {
  return (weight, name) => {
    const scaled = tf.mul(weight, scale);
    return outer === undefined ? scaled : outer(scaled, name);
  };
}
