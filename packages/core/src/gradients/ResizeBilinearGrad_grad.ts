import { type GradConfig, image, ResizeBilinearGrad, type ResizeBilinearGradAttrs, type Tensor4D, zerosLike } from '@tensorflow/tfjs-core';

/** ResizeBilinearGrad is the adjoint of the forward resize, so its gradient in dy is that resize. */
export const resizeBilinearGradGradConfig: GradConfig = {
  kernelName: ResizeBilinearGrad,
  inputsToSave: ['images', 'dy'],
  gradFunc: (ddx, saved, attrs) => {
    const [images, dy] = saved as [Tensor4D, Tensor4D];
    const { alignCorners, halfPixelCenters } = attrs as unknown as ResizeBilinearGradAttrs;
    return {
      images: () => zerosLike(images),
      dy: () => image.resizeBilinear(ddx as Tensor4D, [dy.shape[1], dy.shape[2]], alignCorners, halfPixelCenters),
    };
  },
};
