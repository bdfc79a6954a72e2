import { type ParamStore, type Rng, tf } from '@ganbench/core';
import type { GeneratorPenaltyContext } from '../types.js';
import type { StyleGan2Config } from './config.js';
import { generatorStyles } from './styles.js';
import { synthesis } from './synthesis.js';

/** a ← a + 0.01·(mean L − a): the decaying mean of path lengths, β = 0.99 (official pl_decay = 0.01). */
export const PATH_LENGTH_DECAY = 0.01;
/** The penalty runs on half the generator batch (official pl_batch_shrink = 2). */
export const PATH_LENGTH_BATCH_SHRINK = 2;

export const pathLengthMeanName = (prefix: string) => `${prefix}/pl_mean`;

export function initPathLength(params: ParamStore, prefix: string): void {
  params.create(pathLengthMeanName(prefix), tf.scalar(0), { trainable: false });
}

/**
 * L = ‖J_wᵀ y‖ per sample (Karras et al. 2020, Eq. 4), y ~ N(0, I)/√(H·W): the gradient of
 * Σ G(ws)·y with respect to ws [N, numWs, wDim], squared, summed over wDim, averaged over layers,
 * square-rooted (official pl_lengths). Differentiable in the generator's weights (double backprop).
 */
export function pathLengths(params: ParamStore, prefix: string, ws: tf.Tensor, y: tf.Tensor, config: StyleGan2Config, noise?: Rng): tf.Tensor1D {
  return tf.tidy(() => {
    const grads = tf.grad((styles: tf.Tensor) => tf.sum(tf.mul(synthesis(params, prefix, styles, config, noise), y)))(ws);
    return tf.sqrt(tf.mean(tf.sum(tf.square(grads), 2), 1)) as tf.Tensor1D;
  });
}

/**
 * The penalty E(L − a')² with a' = a + 0.01·(mean L − a), and a'. As the official code, a' is not
 * detached inside the penalty (its 0.01·mean L term carries gradient); only the stored a is a constant.
 */
export function pathLengthTerms(lengths: tf.Tensor1D, mean: tf.Tensor): { penalty: tf.Scalar; mean: tf.Scalar } {
  return tf.tidy(() => {
    const updated = tf.add(mean, tf.mul(tf.sub(tf.mean(lengths), mean), PATH_LENGTH_DECAY)) as tf.Scalar;
    return { penalty: tf.mean(tf.square(tf.sub(lengths, updated))) as tf.Scalar, mean: updated };
  });
}

/**
 * Unweighted E(L − a')² for latents z, with everything random drawn from `rng` in this order: style
 * mixing, y, the noise inputs. The stored a is read, not written (the regularizer writes it).
 */
export function pathLengthPenalty(
  params: ParamStore,
  prefix: string,
  z: tf.Tensor,
  config: StyleGan2Config,
  rng: Rng,
): { penalty: tf.Scalar; mean: tf.Scalar } {
  return tf.tidy(() => {
    const ws = generatorStyles(params, prefix, z, config, { training: true, rng });
    const n = z.shape[0] as number;
    const y = tf.div(rng.normalTensor([n, config.resolution, config.resolution, config.channels]), config.resolution);
    return pathLengthTerms(pathLengths(params, prefix, ws, y, config, rng), params.get(pathLengthMeanName(prefix)));
  });
}

/**
 * Lazy path-length regularization (Karras et al. 2020, Sec. 3.1–3.2) as GanNetworks.generatorPenalty:
 * on generator steps k·every, weight·every·E(L − a')² on the first half of z, and a ← a'; null otherwise.
 */
export function pathLengthRegularizer(
  prefix: string,
  config: StyleGan2Config,
): (params: ParamStore, z: tf.Tensor, context: GeneratorPenaltyContext) => tf.Scalar | null {
  return (params, z, context) => {
    if (config.pathLengthWeight === 0 || context.step % config.pathLengthEvery !== 0) return null;
    return tf.tidy(() => {
      const n = Math.max(1, Math.floor((z.shape[0] as number) / PATH_LENGTH_BATCH_SHRINK));
      const half = tf.slice(z, [0, 0], [n, config.latentDim]);
      const { penalty, mean } = pathLengthPenalty(params, prefix, half, config, context.rng);
      params.get(pathLengthMeanName(prefix)).assign(mean);
      return tf.mul(penalty, config.pathLengthWeight * config.pathLengthEvery) as tf.Scalar;
    });
  };
}
