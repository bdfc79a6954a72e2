import { dense, initDense, type ParamStore, type Rng, tf, type WeightOptions } from '@ganbench/core';
import { applyActivation, isMlpActivation, MLP_ACTIVATIONS, type MlpActivation } from './activations.js';
import type { MlpConfig } from './config.js';
import { orthogonalMatrix } from './orthogonal.js';

/** Parameter names: `${prefix}/hidden0 … hidden{depth−1}` then `${prefix}/output`, each with kernel and bias. */
export function mlpLayerNames(prefix: string, depth: number): string[] {
  return [...Array.from({ length: depth }, (_, i) => `${prefix}/hidden${i}`), `${prefix}/output`];
}

/** Closed form of the trainable scalars: in·w + w, (depth − 1)(w² + w), w·out + out (in·out + out when depth = 0). */
export function mlpParameterCount(config: Pick<MlpConfig, 'inputDim' | 'width' | 'depth' | 'outputDim'>): number {
  const { inputDim, width, depth, outputDim } = config;
  if (depth === 0) return inputDim * outputDim + outputDim;
  return inputDim * width + width + (depth - 1) * (width * width + width) + width * outputDim + outputDim;
}

function checkShape(config: Pick<MlpConfig, 'inputDim' | 'width' | 'depth' | 'outputDim'>): void {
  for (const key of ['inputDim', 'width', 'outputDim'] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1) throw new Error(`${key}: ${config[key]} is not allowed; use a positive integer`);
  }
  if (!Number.isInteger(config.depth) || config.depth < 0) throw new Error(`depth: ${config.depth} is not allowed; use an integer ≥ 0`);
}

/** What initialization needs: the shape, and the initializer (orthogonal with gain 0.8 when omitted, as in Metz et al. 2017). */
export type MlpInitConfig = Pick<MlpConfig, 'inputDim' | 'width' | 'depth' | 'outputDim'> & Partial<Pick<MlpConfig, 'init' | 'initGain'>>;

/** Creates the MLP's parameters in `params` under `prefix`, drawing every weight from `rng`. */
export function initMlp(params: ParamStore, prefix: string, config: MlpInitConfig, rng: Rng): void {
  checkShape(config);
  const { init = 'orthogonal', initGain = 0.8 } = config;
  if (init !== 'orthogonal' && init !== 'normal') throw new Error(`init: ${JSON.stringify(init)} is not allowed; allowed: orthogonal, normal`);
  if (!(initGain > 0) || !Number.isFinite(initGain)) throw new Error(`initGain: ${initGain} is not allowed; use a number > 0`);
  const sizes = [config.inputDim, ...new Array<number>(config.depth).fill(config.width), config.outputDim];
  mlpLayerNames(prefix, config.depth).forEach((name, i) => {
    const inUnits = sizes[i] as number;
    const outUnits = sizes[i + 1] as number;
    if (init === 'normal') {
      initDense(params, name, inUnits, outUnits, rng);
      return;
    }
    params.create(`${name}/kernel`, tf.tensor2d(orthogonalMatrix(inUnits, outUnits, initGain, rng), [inUnits, outUnits]));
    params.create(`${name}/bias`, tf.zeros([outUnits]));
  });
}

/** What the forward pass needs; the rest of MlpConfig is fixed by the parameters themselves. */
export interface MlpForwardConfig {
  depth: number;
  activation: MlpActivation;
  /** Multiplies the input first; 1 when omitted. */
  inputScale?: number;
}

function checkForward(params: ParamStore, prefix: string, x: tf.Tensor, config: MlpForwardConfig): void {
  if (!isMlpActivation(config.activation)) {
    throw new Error(`activation: ${JSON.stringify(config.activation)} is not allowed; allowed: ${MLP_ACTIVATIONS.join(', ')}`);
  }
  if (params.has(`${prefix}/hidden${config.depth}/kernel`)) {
    throw new Error(`depth: ${config.depth} does not match the parameters; ${prefix} has more hidden layers`);
  }
  const inUnits = params.get(`${mlpLayerNames(prefix, config.depth)[0]}/kernel`).shape[0];
  if (x.rank !== 2 || x.shape[1] !== inUnits) throw new Error(`x: shape [${x.shape}] is not allowed; ${prefix} takes [N, ${inUnits}]`);
}

function hiddenLayers(params: ParamStore, prefix: string, x: tf.Tensor, config: MlpForwardConfig, options: WeightOptions): tf.Tensor2D {
  const scale = config.inputScale ?? 1;
  let h = (scale === 1 ? x : tf.mul(x, scale)) as tf.Tensor2D;
  for (const name of mlpLayerNames(prefix, config.depth).slice(0, -1)) h = applyActivation(config.activation, dense(params, name, h, options));
  return h;
}

/**
 * x [N, in] → activation(dense) × depth: the last hidden layer [N, width], the input of the output layer (the scaled
 * input when depth = 0). For a discriminator these are the features feature matching compares (Salimans et al. 2016).
 */
export function mlpHidden(params: ParamStore, prefix: string, x: tf.Tensor, config: MlpForwardConfig, options: WeightOptions = {}): tf.Tensor2D {
  checkForward(params, prefix, x, config);
  return tf.tidy(() => hiddenLayers(params, prefix, x, config, options));
}

/**
 * x [N, in] → activation(dense) × depth → dense → [N, out], linear at the end: a point for a
 * generator, logits for a discriminator. `options.weightTransform` (e.g. spectral normalization)
 * sees every kernel, never a bias. Intermediates are freed; only the output survives the call.
 */
export function mlp(params: ParamStore, prefix: string, x: tf.Tensor, config: MlpForwardConfig, options: WeightOptions = {}): tf.Tensor2D {
  checkForward(params, prefix, x, config);
  return tf.tidy(() => dense(params, `${prefix}/output`, hiddenLayers(params, prefix, x, config, options), options) as tf.Tensor2D);
}
