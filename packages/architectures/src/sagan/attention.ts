import { conv2d, type ParamStore, type Rng, tf, type WeightOptions } from '@ganbench/core';
import { initSnConv2d } from './init.js';

/**
 * Channels of the attention block on C input channels: C/8 for query and key (Zhang et al. 2019,
 * Sec. 3, k = 8) and C/2 for the value, as SAGAN's sn_non_local_block_sim; at least 1 for narrow test networks.
 */
export function attentionChannels(channels: number): { queryKey: number; value: number } {
  return { queryKey: Math.max(1, Math.floor(channels / 8)), value: Math.max(1, Math.floor(channels / 2)) };
}

/** `${prefix}/query`, `key`, `value`, `out` 1×1 kernels without bias, and the scalar `gamma` = 0, so the block starts as the identity. */
export function initSelfAttention(params: ParamStore, prefix: string, channels: number, rng: Rng): void {
  const { queryKey, value } = attentionChannels(channels);
  initSnConv2d(params, `${prefix}/query`, 1, channels, queryKey, rng, false);
  initSnConv2d(params, `${prefix}/key`, 1, channels, queryKey, rng, false);
  initSnConv2d(params, `${prefix}/value`, 1, channels, value, rng, false);
  initSnConv2d(params, `${prefix}/out`, 1, value, channels, rng, false);
  params.create(`${prefix}/gamma`, tf.scalar(0));
}

/** A 1×1 convolution's output [N, H, W, c] as [N, H·W, c]: one row per position. */
function positions(params: ParamStore, name: string, x: tf.Tensor4D, options: WeightOptions): tf.Tensor3D {
  const [n, h, w] = x.shape;
  return tf.reshape(conv2d(params, name, x, options), [n, h * w, -1]);
}

/**
 * β_{j,i} = softmax_i(s_ij), s_ij = q(x_j)·k(x_i) (Zhang et al. 2019, Eq. 1): [N, H·W, H·W], row j
 * the weights position j gives every position i, over all positions (no pooling of keys).
 */
export function selfAttentionWeights(params: ParamStore, prefix: string, x: tf.Tensor4D, options: WeightOptions = {}): tf.Tensor3D {
  return tf.tidy(() => {
    const query = positions(params, `${prefix}/query`, x, options);
    const key = positions(params, `${prefix}/key`, x, options);
    return tf.softmax(tf.matMul(query, key, false, true)) as tf.Tensor3D;
  });
}

/** y_j = x_j + γ·o_j, o_j = W_out Σ_i β_{j,i} v(x_i) (Zhang et al. 2019, Eqs. 2–3); γ starts at 0. */
export function selfAttention(params: ParamStore, prefix: string, x: tf.Tensor4D, options: WeightOptions = {}): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w] = x.shape;
    const beta = selfAttentionWeights(params, prefix, x, options);
    const attended = tf.reshape(tf.matMul(beta, positions(params, `${prefix}/value`, x, options)), [n, h, w, -1]) as tf.Tensor4D;
    const o = conv2d(params, `${prefix}/out`, attended, options);
    return tf.add(x, tf.mul(params.get(`${prefix}/gamma`), o));
  });
}
