import type { tf } from '@ganbench/core';

/** A batch of images in [−1, 1], NHWC float32, with integer class labels when the dataset has them. */
export interface ImageBatch {
  images: tf.Tensor4D;
  labels: tf.Tensor1D | null;
}

/**
 * One interface for every image dataset: its shape, its length and batches by index, so
 * training, feature extraction and metrics never know where the pixels came from. Indices come
 * from a seeded `Rng` (e.g. `rng.permutation(dataset.length)`), so the same seed gives the same batches.
 */
export interface ImageDataset {
  name: string;
  split: string;
  /** [height, width, channels] */
  shape: readonly [number, number, number];
  length: number;
  /** Number of classes when labelled, else null. */
  classes: number | null;
  batch(indices: ArrayLike<number>): ImageBatch;
}
