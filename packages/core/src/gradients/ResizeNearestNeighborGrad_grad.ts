import { type GradConfig, image, ResizeNearestNeighborGrad, type ResizeNearestNeighborGradAttrs, type Tensor4D, zerosLike } from '@tensorflow/tfjs-core';

/** ResizeNearestNeighborGrad is the adjoint of the forward resize, so its gradient in dy is that resize. */
export const resizeNearestNeighborGradGradConfig: GradConfig = {
  kernelName: ResizeNearestNeighborGrad,
  inputsToSave: ['images', 'dy'],
  gradFunc: (ddx, saved, attrs) => {
    const [images, dy] = saved as [Tensor4D, Tensor4D];
    const { alignCorners, halfPixelCenters } = attrs as unknown as ResizeNearestNeighborGradAttrs;
    return {
      images: () => zerosLike(images),
      dy: () => image.resizeNearestNeighbor(ddx as Tensor4D, [dy.shape[1], dy.shape[2]], alignCorners, halfPixelCenters),
    };
  },
};
