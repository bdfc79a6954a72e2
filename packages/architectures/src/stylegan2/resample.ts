import { tf, upsampleNearest } from '@ganbench/core';

/**
 * The paper's resampling filter [1, 3, 3, 1] (Karras et al. 2020, App. B; upfirdn2d in the official
 * code), written with pad, slice, mul and add rather than a depthwise convolution or a bilinear resize:
 * those are differentiable twice in tfjs (R1 and the path-length penalty backpropagate through a
 * gradient), while tfjs-backend-cpu's ResizeBilinearGrad ignores halfPixelCenters.
 */

/** 1-D filter `taps` along `axis` (1: height, 2: width) after `before`/`after` zeros; taps are symmetric, so correlation = convolution. */
function firAxis(x: tf.Tensor4D, taps: readonly number[], axis: 1 | 2, before: number, after: number): tf.Tensor4D {
  const paddings: [number, number][] = [
    [0, 0],
    [0, 0],
    [0, 0],
    [0, 0],
  ];
  paddings[axis] = [before, after];
  const padded = tf.pad(x, paddings);
  const size = [...padded.shape] as [number, number, number, number];
  size[axis] = (padded.shape[axis] as number) - taps.length + 1;
  const terms = taps.map((tap, t) => {
    const begin: [number, number, number, number] = [0, 0, 0, 0];
    begin[axis] = t;
    return tf.mul(tf.slice(padded, begin, size), tap);
  });
  return tf.addN(terms) as tf.Tensor4D;
}

/** The separable 2-D filter taps ⊗ taps with zero padding on every side of height and width. */
export function fir2d(x: tf.Tensor4D, taps: readonly number[], before: number, after: number): tf.Tensor4D {
  return firAxis(firAxis(x, taps, 1, before, after), taps, 2, before, after);
}

const BLUR = [0.25, 0.5, 0.25] as const;
const RESAMPLE = [1 / 8, 3 / 8, 3 / 8, 1 / 8] as const;

/**
 * 2× upsampling with the [1, 3, 3, 1] filter (upfirdn2d up=2, gain 4): nearest neighbour then
 * [1, 2, 1]/4, which is bilinear interpolation with half-pixel centres and a zero border, exactly.
 */
export function upsample2d(x: tf.Tensor4D): tf.Tensor4D {
  return fir2d(upsampleNearest(x), BLUR, 1, 1);
}

/** 2× downsampling with the [1, 3, 3, 1] filter (upfirdn2d down=2, padding 1): [1, 2, 1]/4 then 2×2 average pooling, exactly. */
export function downsample2d(x: tf.Tensor4D): tf.Tensor4D {
  return tf.avgPool(fir2d(x, BLUR, 1, 1), 2, 2, 'valid');
}

/** The filter before a stride-2 3×3 convolution (conv2d_resample down=2: [1, 3, 3, 1]/8 with 2 zeros each side): S → S + 1. */
export function blurForStridedConv(x: tf.Tensor4D): tf.Tensor4D {
  return fir2d(x, RESAMPLE, 2, 2);
}
