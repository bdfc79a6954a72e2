import { tf, upsampleNearest } from '@ganbench/core';

/*
 * The paper's resampling filter [1, 3, 3, 1] (Karras et al. 2020, App. B; upfirdn2d in the official
 * code) as a cascade of 2×2 box filters: [1, 1]/2 * [1, 1]/2 = [1, 2, 1]/4 and three boxes make
 * [1, 3, 3, 1]/8. A box is tf.avgPool, differentiable twice as R1 and the path-length penalty need;
 * it runs on XNNPACK under wasm, where the same filter written with slices was 7× slower, and
 * tfjs-backend-cpu's ResizeBilinearGrad ignores halfPixelCenters, which rules out tf.image.resizeBilinear.
 */

function zeroPad(x: tf.Tensor4D, p: number): tf.Tensor4D {
  return tf.pad(x, [
    [0, 0],
    [p, p],
    [p, p],
    [0, 0],
  ]);
}

/**
 * The box [1, 1]/2 ⊗ [1, 1]/2 at stride 1, 'valid' (S → S − 1), whose adjoint is the same box on the
 * gradient padded with one zero (S − 1 → S). A custom gradient, so backward passes, and the backward
 * of those, run XNNPACK's pooling: tfjs-backend-wasm's AvgPoolGrad is a scalar loop that took a
 * third of D's backward pass.
 */
const boxValid = tf.customGrad(((x: tf.Tensor4D) => ({
  value: tf.avgPool(x, 2, 1, 'valid'),
  gradFunc: (dy: tf.Tensor4D) => boxValid(zeroPad(dy, 1)),
})) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor4D) => tf.Tensor4D;

/** [1, 2, 1]/4 ⊗ [1, 2, 1]/4 with one zero on every side: size kept. */
function blur121(x: tf.Tensor4D): tf.Tensor4D {
  return boxValid(boxValid(zeroPad(x, 1)));
}

/**
 * 2× upsampling with the [1, 3, 3, 1] filter (upfirdn2d up=2, gain 4): nearest neighbour then
 * [1, 2, 1]/4, which is bilinear interpolation with half-pixel centres and a zero border, exactly.
 */
export function upsample2d(x: tf.Tensor4D): tf.Tensor4D {
  return blur121(upsampleNearest(x));
}

/** 2× downsampling with the [1, 3, 3, 1] filter (upfirdn2d down=2, padding 1): [1, 2, 1]/4, then a 2×2 average at stride 2. */
export function downsample2d(x: tf.Tensor4D): tf.Tensor4D {
  return tf.avgPool(blur121(x), 2, 2, 'valid');
}

/** The filter before a stride-2 3×3 convolution (conv2d_resample down=2: [1, 3, 3, 1]/8 with 2 zeros each side): S → S + 1. */
export function blurForStridedConv(x: tf.Tensor4D): tf.Tensor4D {
  return boxValid(boxValid(boxValid(zeroPad(x, 2))));
}
