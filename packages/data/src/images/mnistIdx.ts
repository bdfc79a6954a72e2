import { join } from 'node:path';
import type { RemoteFile } from './download.js';
import { checkLabels, readIdxImages, readIdxLabels } from './idx.js';
import { findCompressedOrRaw } from './locations.js';
import type { ImageArray } from './store.js';

/** The splits LeCun's MNIST layout defines, shared by MNIST and Fashion-MNIST. */
export type IdxSplit = 'train' | 'test';

/** The file base names of one split (`.gz` or not). */
export const IDX_SPLIT_FILES: Readonly<Record<IdxSplit, { images: string; labels: string }>> = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
};

/** Official Fashion-MNIST location (Zalando Research's README). */
export const FASHION_MNIST_BASE_URL = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';

/**
 * Fashion-MNIST checksums over the gunzipped IDX content, computed here from Debian's
 * `dataset-fashion-mnist` (0.0~git20200523) and cross-checked: their MD5s equal the raw-file MD5s
 * torchvision publishes. Debian re-gzipped the files, so the .gz bytes differ from Zalando's; the content does not.
 */
export const FASHION_MNIST_FILES: Readonly<Record<IdxSplit, { images: RemoteFile; labels: RemoteFile }>> = {
  train: {
    images: { name: 'train-images-idx3-ubyte.gz', sha256: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888', digestOf: 'gunzipped' },
    labels: { name: 'train-labels-idx1-ubyte.gz', sha256: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9', digestOf: 'gunzipped' },
  },
  test: {
    images: { name: 't10k-images-idx3-ubyte.gz', sha256: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b', digestOf: 'gunzipped' },
    labels: { name: 't10k-labels-idx1-ubyte.gz', sha256: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34', digestOf: 'gunzipped' },
  },
};

/** The mirror TensorFlow/Keras download MNIST from (yann.lecun.com now often refuses plain downloads); same bytes as LeCun's files. */
export const MNIST_BASE_URL = 'https://storage.googleapis.com/cvdf-datasets/mnist/';

/** SHA-256 of the four MNIST .gz files as served (the values TFDS, torchvision mirrors and others publish; not re-derivable offline here). */
export const MNIST_FILES: Readonly<Record<IdxSplit, { images: RemoteFile; labels: RemoteFile }>> = {
  train: {
    images: { name: 'train-images-idx3-ubyte.gz', sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609', digestOf: 'file' },
    labels: { name: 'train-labels-idx1-ubyte.gz', sha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c', digestOf: 'file' },
  },
  test: {
    images: { name: 't10k-images-idx3-ubyte.gz', sha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6', digestOf: 'file' },
    labels: { name: 't10k-labels-idx1-ubyte.gz', sha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6', digestOf: 'file' },
  },
};

/** Paths of one split's image and label files. */
export interface IdxSplitPaths {
  images: string;
  labels: string;
}

/** The split's files in `dir` (gzipped or raw), or null when either is missing. */
export function idxSplitIn(dir: string, split: IdxSplit): IdxSplitPaths | null {
  const images = findCompressedOrRaw(dir, IDX_SPLIT_FILES[split].images);
  const labels = findCompressedOrRaw(dir, IDX_SPLIT_FILES[split].labels);
  return images === null || labels === null ? null : { images, labels };
}

/** The first directory holding the split, so a user's copy wins over the system's and the cache. */
export function findIdxSplit(dirs: readonly string[], split: IdxSplit): IdxSplitPaths | null {
  for (const dir of dirs) {
    const found = idxSplitIn(dir, split);
    if (found !== null) return found;
  }
  return null;
}

/** Reads and cross-checks a split: as many labels as images, every label in [0, classes). */
export function readIdxSplit(paths: IdxSplitPaths, classes = 10): { images: ImageArray; labels: Uint8Array } {
  const images = readIdxImages(paths.images);
  const labels = readIdxLabels(paths.labels);
  checkLabels(labels, images.count, classes, paths.labels, paths.images);
  return { images, labels };
}

/** A "not found" message listing every place looked, so the fix (install, set GANBENCH_DATA, allow download) is obvious. */
export function missingSplitMessage(dataset: string, split: IdxSplit, dirs: readonly string[]): string {
  const { images, labels } = IDX_SPLIT_FILES[split];
  return `${dataset}: ${images}(.gz) and ${labels}(.gz) not found in ${dirs.join(', ')}; set GANBENCH_DATA, pass root, or allow download`;
}

/** Joins a directory and an official file name, for the paths a download produces. */
export function downloadedSplit(dir: string, files: { images: RemoteFile; labels: RemoteFile }): IdxSplitPaths {
  return { images: join(dir, files.images.name), labels: join(dir, files.labels.name) };
}
