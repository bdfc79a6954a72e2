import type { Rng, tf } from '@ganbench/core';
import { type GaussianMixture, getMixture, type ImageDataset, isMixtureName, loadImageDataset, sampleMixture } from '@ganbench/data';
import type { DatasetConfig } from '@ganbench/study-folder';

/**
 * The training data of a trial: its sample shape and a sampler of real batches whose whole state
 * is `rng`, so a checkpoint carries it (image batches are drawn uniformly with replacement).
 */
export interface DataSource {
  shape: number[];
  mixture: GaussianMixture | null;
  images: ImageDataset | null;
  /** Border the images were padded with (28 → 32), which evaluation crops off again. */
  pad: number;
  rng: Rng;
  sample(n: number): tf.Tensor;
}

/** MNIST and Fashion-MNIST are 28×28: resolution 32 pads them with 2 pixels of background (Kurach et al. 2019). */
const NATIVE_SIDE: Readonly<Record<string, number>> = { mnist: 28, 'fashion-mnist': 28, cifar10: 32 };

export function imagePad(config: DatasetConfig): number {
  const native = NATIVE_SIDE[config.name];
  if (native === undefined || config.resolution === undefined || config.resolution <= native) return 0;
  if ((config.resolution - native) % 2 !== 0)
    throw new Error(`dataset.resolution: ${config.resolution} is not allowed for ${config.name}; use ${native} or ${native} + an even number`);
  return (config.resolution - native) / 2;
}

export async function openDataSource(config: DatasetConfig, rng: Rng): Promise<DataSource> {
  if (isMixtureName(config.name)) {
    const mixture = getMixture(config.name);
    const source: DataSource = { shape: [2], mixture, images: null, pad: 0, rng, sample: (n) => sampleMixture(mixture, n, source.rng) };
    return source;
  }
  const pad = imagePad(config);
  const images = await loadImageDataset(config.name, {
    split: config.name === 'folder' ? 'all' : 'train',
    ...(config.path === undefined ? {} : { path: config.path }),
    ...(config.channels === undefined ? {} : { channels: config.channels }),
    ...(pad > 0 ? { pad } : config.resolution === undefined ? {} : { resolution: config.resolution }),
  });
  const source: DataSource = {
    shape: [...images.shape],
    mixture: null,
    images,
    pad,
    rng,
    sample(n) {
      const { images: batch, labels } = images.batch(Array.from({ length: n }, () => Math.floor(source.rng.uniform() * images.length)));
      labels?.dispose();
      return batch;
    },
  };
  return source;
}
