import { type ParamStore, Rng, tf } from '@ganbench/core';
import type { ImageDataset } from '@ganbench/data';
import { classifierLogits, initClassifier } from './classifier.js';

export interface ClassifierTraining {
  epochs: number;
  batchSize: number;
  /** Adam learning rate (β₁ 0.9, β₂ 0.999). */
  lr: number;
  seed: number;
  /** Each training image moves by up to this many pixels in x and y (border −1): augmentation for small training sets. */
  shift: number;
  /** Each training image turns about its centre by a random angle in [−rotate, rotate] degrees (bilinear, border −1). */
  rotate: number;
  /** Dropout rate on the feature layer while training; 0 turns it off. */
  dropout: number;
  /** 'cosine': lr · ½(1 + cos(π t / T)) over the T batches of the run (Loshchilov & Hutter 2017, without restarts). */
  lrDecay: 'constant' | 'cosine';
}

export const CLASSIFIER_TRAINING: ClassifierTraining = { epochs: 4, batchSize: 128, lr: 1e-3, seed: 0, shift: 0, rotate: 0, dropout: 0, lrDecay: 'constant' };

/** Learning rate after `done` of `total` batches under `settings.lrDecay`. */
export function scheduledLearningRate(settings: Pick<ClassifierTraining, 'lr' | 'lrDecay'>, done: number, total: number): number {
  return settings.lrDecay === 'cosine' ? settings.lr * 0.5 * (1 + Math.cos((Math.PI * done) / total)) : settings.lr;
}

/** tfjs keeps Adam's learning rate protected; a schedule needs to set it between steps. */
export class ScheduledAdam extends tf.AdamOptimizer {
  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }
}

/** Every image of a [N, h, w, c] batch translated by its own random (dx, dy) in [−shift, shift], vacated pixels −1. */
export function randomShift(images: tf.Tensor4D, shift: number, rng: Rng): tf.Tensor4D {
  const [n, h, w, c] = images.shape;
  const source = images.dataSync();
  const out = new Float32Array(source.length).fill(-1);
  for (let i = 0; i < n; i++) {
    const dx = rng.int(2 * shift + 1) - shift;
    const dy = rng.int(2 * shift + 1) - shift;
    for (let y = Math.max(0, dy); y < Math.min(h, h + dy); y++) {
      const from = ((i * h + (y - dy)) * w + Math.max(0, -dx)) * c;
      const to = ((i * h + y) * w + Math.max(0, dx)) * c;
      out.set(source.subarray(from, from + (w - Math.abs(dx)) * c), to);
    }
  }
  return tf.tensor4d(out, [n, h, w, c]);
}

/** Every image of a [N, h, w, c] batch turned about its centre by its own angle (radians, counter-clockwise), bilinear, outside −1. */
export function rotateImages(images: tf.Tensor4D, angles: ArrayLike<number>): tf.Tensor4D {
  const [n, h, w, c] = images.shape;
  const source = images.dataSync();
  const out = new Float32Array(source.length);
  const [cy, cx] = [(h - 1) / 2, (w - 1) / 2];
  const at = (i: number, y: number, x: number, k: number) => (y < 0 || y >= h || x < 0 || x >= w ? -1 : (source[((i * h + y) * w + x) * c + k] as number));
  for (let i = 0; i < n; i++) {
    const [cos, sin] = [Math.cos(angles[i] as number), Math.sin(angles[i] as number)];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        // The source point that lands on (x, y): the inverse rotation, with y pointing down.
        const sx = cx + cos * (x - cx) - sin * (y - cy);
        const sy = cy + sin * (x - cx) + cos * (y - cy);
        const [x0, y0] = [Math.floor(sx), Math.floor(sy)];
        const [fx, fy] = [sx - x0, sy - y0];
        for (let k = 0; k < c; k++) {
          const top = (1 - fx) * at(i, y0, x0, k) + fx * at(i, y0, x0 + 1, k);
          const bottom = (1 - fx) * at(i, y0 + 1, x0, k) + fx * at(i, y0 + 1, x0 + 1, k);
          out[((i * h + y) * w + x) * c + k] = (1 - fy) * top + fy * bottom;
        }
      }
    }
  }
  return tf.tensor4d(out, [n, h, w, c]);
}

/** `rotateImages` with angles uniform in [−maxDegrees, maxDegrees]. */
export function randomRotation(images: tf.Tensor4D, maxDegrees: number, rng: Rng): tf.Tensor4D {
  const angles = Array.from({ length: images.shape[0] }, () => ((2 * rng.uniform() - 1) * maxDegrees * Math.PI) / 180);
  return rotateImages(images, angles);
}

/** Fraction of `dataset` the classifier labels correctly, in batches so memory stays flat. */
export function classifierAccuracy(params: ParamStore, dataset: ImageDataset, batchSize = 500): number {
  let correct = 0;
  for (let start = 0; start < dataset.length; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, dataset.length - start) }, (_, i) => start + i);
    const { images, labels } = dataset.batch(indices);
    if (labels === null) throw new Error(`dataset: '${dataset.name}' has no labels; a classifier needs them`);
    correct += tf.tidy(() => tf.sum(tf.equal(tf.argMax(classifierLogits(params, images), 1), tf.cast(labels, 'int32'))).dataSync()[0] as number);
    tf.dispose([images, labels]);
  }
  return correct / dataset.length;
}

/** Softmax cross-entropy with Adam over seeded shuffles of `train`; `onEpoch` sees the test accuracy after each epoch. */
export function trainClassifier(
  train: ImageDataset,
  test: ImageDataset,
  settings: ClassifierTraining,
  onEpoch?: (epoch: number, testAccuracy: number, loss: number) => void,
): { params: ParamStore; testAccuracy: number } {
  if (train.classes === null) throw new Error(`dataset: '${train.name}' has no labels; a classifier needs them`);
  const rng = new Rng(settings.seed);
  const params = initClassifier({ input: train.shape, classes: train.classes }, rng.fork('init'));
  const adam = new ScheduledAdam(settings.lr, 0.9, 0.999);
  const optimizer: tf.Optimizer = adam;
  const shuffle = rng.fork('shuffle');
  const augment = rng.fork('augment');
  const dropout = rng.fork('dropout');
  const classes = train.classes;
  const batchesPerEpoch = Math.floor(train.length / settings.batchSize);
  let testAccuracy = 0;
  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    const order = shuffle.permutation(train.length);
    let lossSum = 0;
    let batches = 0;
    for (let start = 0; start + settings.batchSize <= train.length; start += settings.batchSize) {
      adam.setLearningRate(scheduledLearningRate(settings, (epoch - 1) * batchesPerEpoch + batches, settings.epochs * batchesPerEpoch));
      const batch = train.batch(order.subarray(start, start + settings.batchSize));
      const labels = batch.labels;
      const shifted = settings.shift > 0 ? randomShift(batch.images, settings.shift, augment) : batch.images;
      const images = settings.rotate > 0 ? randomRotation(shifted, settings.rotate, augment) : shifted;
      tf.dispose([batch.images, shifted].filter((t) => t !== images));
      const featureDropout = { rate: settings.dropout, seed: dropout.int(2 ** 31) };
      const { value, grads } = tf.variableGrads(
        () =>
          tf.losses.softmaxCrossEntropy(
            tf.oneHot(tf.cast(labels as tf.Tensor1D, 'int32'), classes),
            classifierLogits(params, images, featureDropout),
          ) as tf.Scalar,
        params.trainableVariables(),
      );
      optimizer.applyGradients(grads);
      lossSum += value.dataSync()[0] as number;
      batches++;
      tf.dispose([value, images, labels as tf.Tensor, ...Object.values(grads)]);
    }
    testAccuracy = classifierAccuracy(params, test);
    onEpoch?.(epoch, testAccuracy, lossSum / batches);
  }
  optimizer.dispose();
  return { params, testAccuracy };
}
