import { type ParamStore, type Rng, tf } from '@ganbench/core';
import { type StyleGan2Config, stylegan2BlockResolutions, stylegan2Channels, stylegan2NumWs } from './config.js';
import { equalizedDense, equalizedKernel, initEqualized, lreluGain } from './equalized.js';
import { modulatedConv2d } from './modulatedConv.js';
import { upsample2d } from './resample.js';

/** One layer of the synthesis network and the index of the w it is modulated by. */
export interface SynthesisLayer {
  /** `b{res}/conv0` (upsampling), `b{res}/conv1` or `b{res}/torgb`. */
  name: string;
  kind: 'conv' | 'torgb';
  res: number;
  inChannels: number;
  outChannels: number;
  up: boolean;
  wIndex: number;
}

/**
 * The skip generator (Karras et al. 2020, Fig. 7b; official SynthesisNetwork 'skip'): 4×4 block =
 * conv1 + toRGB; every later block = upsampling conv0, conv1, toRGB. Convolutions take w₀, w₁, … in
 * order; each toRGB takes the w of the next block's first convolution (the official indexing), so
 * numWs = 2·log2(R) − 2.
 */
export function synthesisLayout(config: StyleGan2Config): SynthesisLayer[] {
  const c4 = stylegan2Channels(config, 4);
  const layers: SynthesisLayer[] = [
    { name: 'b4/conv1', kind: 'conv', res: 4, inChannels: c4, outChannels: c4, up: false, wIndex: 0 },
    { name: 'b4/torgb', kind: 'torgb', res: 4, inChannels: c4, outChannels: config.channels, up: false, wIndex: 1 },
  ];
  let w = 1;
  for (const res of stylegan2BlockResolutions(config.resolution)) {
    const cin = stylegan2Channels(config, res / 2);
    const cout = stylegan2Channels(config, res);
    layers.push({ name: `b${res}/conv0`, kind: 'conv', res, inChannels: cin, outChannels: cout, up: true, wIndex: w });
    layers.push({ name: `b${res}/conv1`, kind: 'conv', res, inChannels: cout, outChannels: cout, up: false, wIndex: w + 1 });
    layers.push({ name: `b${res}/torgb`, kind: 'torgb', res, inChannels: cout, outChannels: config.channels, up: false, wIndex: w + 2 });
    w += 2;
  }
  return layers;
}

/**
 * A layer's weights: the style affine A (wDim → in, bias 1, so styles start at 1), the kernel
 * [k, k, in, out] ~ N(0, 1) (3×3 conv, 1×1 toRGB), the bias, and for convolutions the noise
 * strength, one per channel, starting at 0.
 */
function initLayer(params: ParamStore, prefix: string, layer: SynthesisLayer, wDim: number, rng: Rng): void {
  const name = `${prefix}/${layer.name}`;
  initEqualized(params, `${name}/affine`, [wDim, layer.inChannels], rng.fork('affine'), { biasInit: 1 });
  const k = layer.kind === 'conv' ? 3 : 1;
  initEqualized(params, name, [k, k, layer.inChannels, layer.outChannels], rng.fork('kernel'));
  if (layer.kind === 'conv') params.create(`${name}/noise_strength`, tf.zeros([layer.outChannels]));
}

/** The learned 4×4 constant input ~ N(0, 1) and every layer of the skip generator. */
export function initSynthesis(params: ParamStore, prefix: string, config: StyleGan2Config, rng: Rng): void {
  params.create(`${prefix}/const`, rng.fork('const').normalTensor([4, 4, stylegan2Channels(config, 4)]));
  for (const layer of synthesisLayout(config)) initLayer(params, prefix, layer, config.wDim, rng.fork(layer.name));
}

/**
 * Per-pixel noise B (Karras et al. 2019, Sec. 2): one N(0, 1) image [N, H, W, 1] per convolution,
 * drawn from the forward pass's rng and scaled per channel; without an rng there is no noise (zeros).
 */
function addNoise(params: ParamStore, name: string, y: tf.Tensor4D, rng: Rng | undefined): tf.Tensor4D {
  if (rng === undefined) return y;
  const [n, h, w] = y.shape;
  return tf.add(y, tf.mul(rng.normalTensor([n, h, w, 1]), params.get(`${name}/noise_strength`)));
}

/** A synthesis layer: style s = A(w), modulated (and for convolutions demodulated) conv, noise, bias, leaky ReLU·√2; toRGB is linear. */
function synthesisLayer(params: ParamStore, prefix: string, layer: SynthesisLayer, x: tf.Tensor4D, w: tf.Tensor2D, rng: Rng | undefined): tf.Tensor4D {
  const name = `${prefix}/${layer.name}`;
  const styles = equalizedDense(params, `${name}/affine`, w);
  // The equalization constant 1/√fan_in cancels in demodulated layers; toRGB keeps it, as the official weight_gain.
  const kernel = equalizedKernel(params, name) as tf.Tensor4D;
  const y = modulatedConv2d(x, kernel, styles, { demodulate: layer.kind === 'conv', up: layer.up });
  if (layer.kind === 'torgb') return tf.add(y, params.get(`${name}/bias`));
  return lreluGain(tf.add(addNoise(params, name, y, rng), params.get(`${name}/bias`))) as tf.Tensor4D;
}

/** ws [N, numWs, wDim] → images [N, R, R, C]: the sum of every block's toRGB, each upsampled to R (no tanh, as the official code). */
export function synthesis(params: ParamStore, prefix: string, ws: tf.Tensor, config: StyleGan2Config, rng?: Rng): tf.Tensor4D {
  const numWs = stylegan2NumWs(config.resolution);
  const [n, count, wDim] = ws.shape as [number, number, number];
  if (ws.rank !== 3 || count !== numWs || wDim !== config.wDim) {
    throw new Error(`stylegan2 ${prefix}: ws of shape [${ws.shape}] is not allowed; must be [N, ${numWs}, ${config.wDim}]`);
  }
  return tf.tidy(() => {
    const styleOf = (i: number) => tf.reshape(tf.slice(ws, [0, i, 0], [n, 1, wDim]), [n, wDim]) as tf.Tensor2D;
    const c4 = stylegan2Channels(config, 4);
    let x = tf.tile(tf.reshape(params.get(`${prefix}/const`), [1, 4, 4, c4]), [n, 1, 1, 1]) as tf.Tensor4D;
    let image: tf.Tensor4D | null = null;
    for (const layer of synthesisLayout(config)) {
      if (layer.kind === 'conv') {
        x = synthesisLayer(params, prefix, layer, x, styleOf(layer.wIndex), rng);
        continue;
      }
      const rgb = synthesisLayer(params, prefix, layer, x, styleOf(layer.wIndex), rng);
      image = image === null ? rgb : (tf.add(upsample2d(image), rgb) as tf.Tensor4D);
    }
    if (image === null) throw new Error('stylegan2: the synthesis layout has no toRGB layer');
    return image;
  });
}
