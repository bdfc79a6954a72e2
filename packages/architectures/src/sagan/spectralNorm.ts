import { type ParamStore, type Rng, tf, type WeightTransform } from '@ganbench/core';
import { spectralNormalize, spectralNormStateName } from '@ganbench/regularizers';
import type { NetworkOptions } from '../types.js';

export const SAGAN_SPECTRAL_NORM_CONFLICT =
  "architecture sagan: normalization 'spectral' is not allowed; sagan already divides every generator and discriminator weight by its spectral norm " +
  '(Zhang et al. 2019, Sec. 4.1). sagan takes normalization none (with any penalty)';

/** Where the architecture keeps a layer's power-iteration vector u: `<layer>/sn_u`, apart from the regularizer's `<layer>/kernel/sn_u`. */
export function saganStateName(kernelName: string): string {
  return `${kernelName.replace(/\/kernel$/, '')}/sn_u`;
}

/** A unit-norm u as long as the kernel's output axis, stored with the parameters and never trained. */
export function initPowerIteration(params: ParamStore, kernelName: string, rng: Rng): void {
  const kernel = params.get(kernelName);
  const u = tf.tidy(() => {
    const g = rng.normalTensor([kernel.shape[kernel.rank - 1] as number]);
    return tf.div(g, tf.norm(g));
  });
  params.create(saganStateName(kernelName), u, { trainable: false });
}

/**
 * W/σ(W) for every kernel (Miyato et al. 2018, Eq. 8), σ by power iteration from the layer's u;
 * a training pass advances u, as SAGAN's spectral_normed_weight and torch.nn.utils.spectral_norm do.
 */
export function saganSpectralNorm(params: ParamStore, iterations: number, training: boolean): WeightTransform {
  return (weight, name) => {
    const state = params.get(saganStateName(name));
    const { normalized, u, sigma } = spectralNormalize(weight, state, iterations);
    if (training) state.assign(u);
    tf.dispose([u, sigma]);
    return normalized;
  };
}

/**
 * The architecture's spectral norm after any transform the caller passes; the spectral-norm
 * regularizer leaves its u at `<kernel>/sn_u`, which is how a double normalization is caught.
 */
export function saganWeightTransform(params: ParamStore, iterations: number, options: NetworkOptions): WeightTransform {
  const own = saganSpectralNorm(params, iterations, options.training);
  const outer = options.weightTransform;
  if (outer === undefined) return own;
  return (weight, name) => {
    const pre = outer(weight, name);
    if (params.has(spectralNormStateName(name))) throw new Error(SAGAN_SPECTRAL_NORM_CONFLICT);
    return own(pre, name);
  };
}
