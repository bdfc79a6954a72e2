import { conv2d, dense, initConv2d, initDense, ParamStore, type Rng, tf } from '@ganbench/core';

/**
 * The project's own feature network (no Inception weights can be had here): a small CNN
 * classifier whose penultimate layer is the space of classifier-FID, precision/recall and KID,
 * and whose softmax is the IS classifier. Numbers from it are "classifier-FID": never compare
 * them with Inception-FID.
 */
export const CLASSIFIER_FEATURES = 128;

/** conv 3×3 ×32, then three stride-2 convs (64, 64, 128), dense 128 (the features), dense to the classes; relu throughout. */
const CONVS = [
  { name: 'conv1', out: 32, strides: 1 },
  { name: 'conv2', out: 64, strides: 2 },
  { name: 'conv3', out: 64, strides: 2 },
  { name: 'conv4', out: 128, strides: 2 },
] as const;

export interface ClassifierShape {
  /** [height, width, channels] of the images it reads. */
  input: readonly [number, number, number];
  classes: number;
}

const downsampled = (size: number) => CONVS.reduce((s, c) => Math.ceil(s / c.strides), size);

/** He-normal weights (std √(2/fan-in)), zero biases. */
export function initClassifier(shape: ClassifierShape, rng: Rng): ParamStore {
  const params = new ParamStore();
  let channels = shape.input[2];
  for (const c of CONVS) {
    initConv2d(params, c.name, 3, channels, c.out, rng, Math.sqrt(2 / (9 * channels)));
    channels = c.out;
  }
  const flat = downsampled(shape.input[0]) * downsampled(shape.input[1]) * channels;
  initDense(params, 'features', flat, CLASSIFIER_FEATURES, rng, Math.sqrt(2 / flat));
  initDense(params, 'logits', CLASSIFIER_FEATURES, shape.classes, rng, Math.sqrt(1 / CLASSIFIER_FEATURES));
  return params;
}

/** Penultimate activations [N, 128] of images [N, h, w, c] in [−1, 1]. */
export function classifierFeatures(params: ParamStore, images: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    let h: tf.Tensor = images;
    for (const c of CONVS) h = tf.relu(conv2d(params, c.name, h, { strides: c.strides }));
    return tf.relu(dense(params, 'features', tf.reshape(h, [images.shape[0] as number, -1])));
  });
}

/** Class logits [N, classes]; while training, `dropout` drops feature units at its rate with its seed (Srivastava et al. 2014). */
export function classifierLogits(params: ParamStore, images: tf.Tensor, dropout?: { rate: number; seed: number }): tf.Tensor2D {
  return tf.tidy(() => {
    const features = classifierFeatures(params, images);
    return dense(params, 'logits', dropout !== undefined && dropout.rate > 0 ? tf.dropout(features, dropout.rate, undefined, dropout.seed) : features);
  });
}
