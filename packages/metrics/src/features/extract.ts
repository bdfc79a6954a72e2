import { type ParamStore, tf } from '@ganbench/core';
import type { ImageDataset } from '@ganbench/data';
import { CLASSIFIER_FEATURES, classifierFeatures } from './classifier.js';

/** What every image metric reads from the classifier: penultimate features and class probabilities. */
export interface ClassifierOutputs {
  n: number;
  /** Row-major [n, 128]. */
  features: Float32Array;
  /** Row-major [n, classes]: the IS classifier's softmax. */
  probabilities: Float32Array;
  classes: number;
}

/** Features and probabilities of images [N, h, w, c] in [−1, 1]. */
export function classifierOutputs(params: ParamStore, images: tf.Tensor4D): ClassifierOutputs {
  return tf.tidy(() => {
    const features = classifierFeatures(params, images);
    const probabilities = tf.softmax(tf.add(tf.matMul(features, params.get('logits/kernel') as tf.Tensor2D), params.get('logits/bias')));
    return {
      n: images.shape[0],
      features: features.dataSync() as Float32Array,
      probabilities: probabilities.dataSync() as Float32Array,
      classes: probabilities.shape[1] as number,
    };
  });
}

/** `classifierOutputs`, read back asynchronously: the webgpu backend has no synchronous read under Node. Same numbers. */
export async function classifierOutputsAsync(params: ParamStore, images: tf.Tensor4D): Promise<ClassifierOutputs> {
  const [features, probabilities] = tf.tidy(() => {
    const f = classifierFeatures(params, images);
    return [f, tf.softmax(tf.add(tf.matMul(f, params.get('logits/kernel') as tf.Tensor2D), params.get('logits/bias')))];
  });
  try {
    return {
      n: images.shape[0],
      features: (await features.data()) as Float32Array,
      probabilities: (await probabilities.data()) as Float32Array,
      classes: probabilities.shape[1] as number,
    };
  } finally {
    tf.dispose([features, probabilities]);
  }
}

/** The first `limit` images of a dataset (all by default), in batches so memory stays flat. */
export function datasetOutputs(params: ParamStore, dataset: ImageDataset, limit = dataset.length, batchSize = 500): ClassifierOutputs {
  const n = Math.min(limit, dataset.length);
  const classes = params.get('logits/bias').shape[0] as number;
  const out: ClassifierOutputs = { n, features: new Float32Array(n * CLASSIFIER_FEATURES), probabilities: new Float32Array(n * classes), classes };
  for (let start = 0; start < n; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, n - start) }, (_, i) => start + i);
    const { images, labels } = dataset.batch(indices);
    const part = classifierOutputs(params, images);
    out.features.set(part.features, start * CLASSIFIER_FEATURES);
    out.probabilities.set(part.probabilities, start * classes);
    tf.dispose([images, ...(labels === null ? [] : [labels])]);
  }
  return out;
}

/** `datasetOutputs`, read back asynchronously (webgpu). */
export async function datasetOutputsAsync(params: ParamStore, dataset: ImageDataset, limit = dataset.length, batchSize = 500): Promise<ClassifierOutputs> {
  const n = Math.min(limit, dataset.length);
  const classes = params.get('logits/bias').shape[0] as number;
  const out: ClassifierOutputs = { n, features: new Float32Array(n * CLASSIFIER_FEATURES), probabilities: new Float32Array(n * classes), classes };
  for (let start = 0; start < n; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, n - start) }, (_, i) => start + i);
    const { images, labels } = dataset.batch(indices);
    try {
      const part = await classifierOutputsAsync(params, images);
      out.features.set(part.features, start * CLASSIFIER_FEATURES);
      out.probabilities.set(part.probabilities, start * classes);
    } finally {
      tf.dispose([images, ...(labels === null ? [] : [labels])]);
    }
  }
  return out;
}
