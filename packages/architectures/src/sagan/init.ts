import { type ParamStore, type Rng, tf } from '@ganbench/core';
import { initPowerIteration } from './spectralNorm.js';

/** Glorot & Bengio 2010 uniform: U(±√(6/(fan_in + fan_out))), as SAGAN's xavier_initializer; fans count the kernel window. */
function glorotUniform(shape: number[], rng: Rng): tf.Tensor {
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const fanIn = receptive * (shape[shape.length - 2] as number);
  const fanOut = receptive * (shape[shape.length - 1] as number);
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return rng.uniformTensor(shape, -limit, limit);
}

/** A spectrally normalized layer's kernel (Glorot uniform), zero bias when it has one, and its power-iteration u. */
function initSpectralLayer(params: ParamStore, prefix: string, shape: number[], bias: boolean, rng: Rng): void {
  const layerRng = rng.fork(prefix);
  params.create(`${prefix}/kernel`, glorotUniform(shape, layerRng.fork('kernel')));
  if (bias) params.create(`${prefix}/bias`, tf.zeros([shape[shape.length - 1] as number]));
  initPowerIteration(params, `${prefix}/kernel`, layerRng.fork('sn_u'));
}

/** Kernel [k, k, in, out] as core's conv2d takes it. */
export function initSnConv2d(params: ParamStore, prefix: string, kernelSize: number, inChannels: number, outChannels: number, rng: Rng, bias = true): void {
  initSpectralLayer(params, prefix, [kernelSize, kernelSize, inChannels, outChannels], bias, rng);
}

/** Kernel [in, out] as core's dense takes it. */
export function initSnDense(params: ParamStore, prefix: string, inUnits: number, outUnits: number, rng: Rng): void {
  initSpectralLayer(params, prefix, [inUnits, outUnits], true, rng);
}
