import { avgPool, image, type Tensor, type Tensor4D } from '@tensorflow/tfjs-core';

/** Nearest-neighbour upsampling by an integer factor (ProGAN, StyleGAN). */
export function upsampleNearest(x: Tensor, factor = 2): Tensor4D {
  const [, h, w] = x.shape as [number, number, number, number];
  return image.resizeNearestNeighbor(x as Tensor4D, [h * factor, w * factor]);
}

/** factor × factor average pooling, stride factor (ProGAN's downsampling). */
export function avgPoolDownsample(x: Tensor, factor = 2): Tensor4D {
  return avgPool(x as Tensor4D, factor, factor, 'valid');
}
