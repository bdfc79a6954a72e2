import { minibatchStddev, type ParamStore, type Rng, tf, type WeightOptions } from '@ganbench/core';
import { type StyleGan2Config, stylegan2BlockResolutions, stylegan2Channels } from './config.js';
import { equalizedConv2d, equalizedDense, initEqualized, lreluGain } from './equalized.js';
import { blurForStridedConv, downsample2d } from './resample.js';

/** Block resolutions of D from the image down: R, R/2, …, 8; each ends at half its resolution. */
export function discriminatorBlockResolutions(resolution: number): number[] {
  return stylegan2BlockResolutions(resolution).reverse();
}

/**
 * The residual discriminator (Karras et al. 2020, Fig. 7c; official DiscriminatorBlock 'resnet'):
 * fromRGB 1×1 at the top; per block conv0 3×3 (C(res) → C(res)), conv1 3×3 stride 2 after the
 * [1, 3, 3, 1] filter (C(res) → C(res/2)), and a skip path (filter + 2× down, 1×1 conv, no bias);
 * then at 4×4 minibatch stddev, conv 3×3, dense, dense to one logit. Every weight ~ N(0, 1), equalized.
 */
export function initDiscriminator(params: ParamStore, prefix: string, config: StyleGan2Config, rng: Rng): void {
  const top = stylegan2Channels(config, config.resolution);
  initEqualized(params, `${prefix}/fromrgb`, [1, 1, config.channels, top], rng.fork('fromrgb'));
  for (const res of discriminatorBlockResolutions(config.resolution)) {
    const c = stylegan2Channels(config, res);
    const out = stylegan2Channels(config, res / 2);
    initEqualized(params, `${prefix}/b${res}/conv0`, [3, 3, c, c], rng.fork(`b${res}/conv0`));
    initEqualized(params, `${prefix}/b${res}/conv1`, [3, 3, c, out], rng.fork(`b${res}/conv1`));
    initEqualized(params, `${prefix}/b${res}/skip`, [1, 1, c, out], rng.fork(`b${res}/skip`), { bias: false });
  }
  const c4 = stylegan2Channels(config, 4);
  initEqualized(params, `${prefix}/b4/conv`, [3, 3, c4 + 1, c4], rng.fork('b4/conv'));
  initEqualized(params, `${prefix}/b4/fc`, [16 * c4, c4], rng.fork('b4/fc'));
  initEqualized(params, `${prefix}/out`, [c4, 1], rng.fork('out'));
}

/** One residual block: (skip(x) + conv1(conv0(x)))/√2 (Karras et al. 2020, Fig. 7c). */
function residualBlock(params: ParamStore, name: string, x: tf.Tensor4D, w: WeightOptions): tf.Tensor4D {
  const skip = equalizedConv2d(params, `${name}/skip`, downsample2d(x), w);
  const h = lreluGain(equalizedConv2d(params, `${name}/conv0`, x, w)) as tf.Tensor4D;
  const down = lreluGain(equalizedConv2d(params, `${name}/conv1`, blurForStridedConv(h), { ...w, strides: 2, pad: 'valid' }));
  return tf.mul(tf.add(skip, down), Math.SQRT1_2);
}

const weightOptions = (options: WeightOptions): WeightOptions => (options.weightTransform === undefined ? {} : { weightTransform: options.weightTransform });

/**
 * D's features [N, C(4)]: fromRGB, residual blocks, minibatch stddev, conv 3×3 and dense at 4×4 with leaky ReLU — the input
 * of the dense logit (what feature matching compares).
 */
export function discriminatorFeatures(params: ParamStore, prefix: string, x: tf.Tensor, config: StyleGan2Config, options: WeightOptions): tf.Tensor2D {
  if (x.rank !== 4 || x.shape[1] !== config.resolution || x.shape[2] !== config.resolution || x.shape[3] !== config.channels) {
    throw new Error(
      `stylegan2 ${prefix}: x of shape [${x.shape}] is not allowed; must be [N, ${config.resolution}, ${config.resolution}, ${config.channels}] (NHWC)`,
    );
  }
  const n = x.shape[0] as number;
  const group = Math.min(config.mbstdGroupSize, n);
  if (n % group !== 0) {
    throw new Error(
      `stylegan2 ${prefix}: batch size ${n} is not allowed with mbstdGroupSize ${config.mbstdGroupSize}; min(group, batch) must divide the batch`,
    );
  }
  const w = weightOptions(options);
  return tf.tidy(() => {
    let h = lreluGain(equalizedConv2d(params, `${prefix}/fromrgb`, x as tf.Tensor4D, w)) as tf.Tensor4D;
    for (const res of discriminatorBlockResolutions(config.resolution)) h = residualBlock(params, `${prefix}/b${res}`, h, w);
    h = minibatchStddev(h, config.mbstdGroupSize);
    h = lreluGain(equalizedConv2d(params, `${prefix}/b4/conv`, h, w)) as tf.Tensor4D;
    return lreluGain(equalizedDense(params, `${prefix}/b4/fc`, tf.reshape(h, [n, -1]), 1, w)) as tf.Tensor2D;
  });
}

/** x [N, R, R, C] → D's features (discriminatorFeatures) → dense: logits [N]. */
export function discriminator(params: ParamStore, prefix: string, x: tf.Tensor, config: StyleGan2Config, options: WeightOptions): tf.Tensor1D {
  return tf.tidy(
    () =>
      tf.reshape(
        equalizedDense(params, `${prefix}/out`, discriminatorFeatures(params, prefix, x, config, options), 1, weightOptions(options)),
        [-1],
      ) as tf.Tensor1D,
  );
}
