/** @ganbench/data — datasets behind one interface: the 2-D Gaussian mixtures of the mode-collapse studies, and image datasets (MNIST, Fashion-MNIST, CIFAR-10, PNG folders). */

export type { ImageBatch, ImageDataset } from './dataset.js';
export { isGzip, maybeGunzip } from './images/bytes.js';
export {
  CIFAR10_ARCHIVE,
  CIFAR10_BASE_URL,
  CIFAR10_BATCHES_DIR,
  CIFAR10_RECORD_BYTES,
  CIFAR10_SPLIT_FILES,
  downloadCifar10,
  parseCifar10Batch,
  readCifar10Files,
  unpackCifar10Archive,
} from './images/cifar10.js';
export { type DigestOf, downloadFile, ensureFiles, fileSha256, type RemoteFile, sha256Hex } from './images/download.js';
export { decodePngFile, type ImageFolderOptions, listPngFiles, readImageFolder } from './images/folder.js';
export {
  checkLabels,
  encodeIdx,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  type IdxArray,
  parseIdx,
  parseIdxImages,
  parseIdxLabels,
  readIdxImages,
  readIdxLabels,
} from './images/idx.js';
export { dataHome, SYSTEM_FASHION_MNIST_DIR } from './images/locations.js';
export {
  FASHION_MNIST_BASE_URL,
  FASHION_MNIST_FILES,
  IDX_SPLIT_FILES,
  type IdxSplit,
  MNIST_BASE_URL,
  MNIST_FILES,
} from './images/mnistIdx.js';
export { isMnistNpmTest, mnistNpmDigitsDir, mnistNpmSplit, parseMnistDigitJson, readMnistNpmDigits } from './images/mnistNpm.js';
export {
  IMAGE_DATASET_CHANNELS,
  IMAGE_DATASET_NAMES,
  IMAGE_DATASET_SPLITS,
  type ImageDatasetName,
  type ImageDatasetRequest,
  type LoadImageDatasetOptions,
  loadImageDataset,
  MNIST_SOURCES,
  type MnistSource,
  resolveImageDatasetRequest,
} from './images/registry.js';
export { areaWeights, bilinearWeights, RESIZE_METHODS, type ResizeMethod, resampleHwc, resizePlan } from './images/resize.js';
export {
  type ChannelCount,
  type ImageArray,
  type ImageTransform,
  imageDataset,
  imagesToFloat32,
  type LoadedImageDataset,
  LUMA,
} from './images/store.js';
export { GRID, gridModes } from './mixtures/grid.js';
export { getMixture, isMixtureName, MIXTURE_NAMES, MIXTURES } from './mixtures/registry.js';
export { RING, ringModes } from './mixtures/ring.js';
export { type LabelledSamples, sampleMixture, sampleMixtureLabelled, sampleMixturePoints } from './mixtures/sample.js';
export type { GaussianMixture } from './mixtures/types.js';
