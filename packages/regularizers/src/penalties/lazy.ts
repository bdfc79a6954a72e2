import type { OptionSpec, tf } from '@ganbench/core';
import type { PenaltyContext } from '../types.js';

export const LAZY_INTERVAL: OptionSpec = {
  type: 'integer',
  description: 'lazy regularization: apply every k discriminator steps with the weight scaled by k',
  default: 1,
  min: 1,
};

/** Karras et al. 2020 (StyleGAN2), Sec. 3.1: a penalty evaluated every k steps with its weight × k keeps the same expected pull. */
export function lazily(every: number, penalty: (context: PenaltyContext, scale: number) => tf.Scalar): (context: PenaltyContext) => tf.Scalar | null {
  return (context) => (context.step % every === 0 ? penalty(context, every) : null);
}
