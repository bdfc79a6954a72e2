import { type ParamStore, type Rng, tf } from '@ganbench/core';
import type { NetworkOptions } from '../types.js';
import type { StyleGan2Config } from './config.js';
import { initMapping } from './mapping.js';
import { initPathLength } from './pathLength.js';
import { generatorStyles } from './styles.js';
import { initSynthesis, synthesis } from './synthesis.js';

/** Mapping network (with w̄), synthesis network, and the path-length mean a, all under `prefix`. */
export function initGenerator(params: ParamStore, prefix: string, config: StyleGan2Config, rng: Rng): void {
  initMapping(params, prefix, config, rng.fork('mapping'));
  initSynthesis(params, prefix, config, rng.fork('synthesis'));
  initPathLength(params, prefix);
}

/** G(z) = synthesis(styles(z)): z [N, latentDim] → images [N, R, R, C]; noise inputs and style mixing from options.rng. */
export function generator(params: ParamStore, prefix: string, z: tf.Tensor, config: StyleGan2Config, options: NetworkOptions): tf.Tensor4D {
  if (z.rank !== 2 || z.shape[1] !== config.latentDim) {
    throw new Error(`stylegan2 ${prefix}: z of shape [${z.shape}] is not allowed; must be [N, ${config.latentDim}]`);
  }
  return tf.tidy(() => synthesis(params, prefix, generatorStyles(params, prefix, z, config, options), config, options.rng));
}
