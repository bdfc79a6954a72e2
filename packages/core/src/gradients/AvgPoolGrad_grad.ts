import { AvgPoolGrad, type AvgPoolGradAttrs, avgPool, type GradConfig, type Tensor4D, zerosLike } from '@tensorflow/tfjs-core';

/** AvgPoolGrad is the adjoint of AvgPool, linear in dy: its own gradient is AvgPool of the incoming gradient. */
export const avgPoolGradGradConfig: GradConfig = {
  kernelName: AvgPoolGrad,
  inputsToSave: ['dy', 'input'],
  gradFunc: (ddx, saved, attrs) => {
    const [, input] = saved as [Tensor4D, Tensor4D];
    const { filterSize, strides, pad } = attrs as unknown as AvgPoolGradAttrs;
    return {
      dy: () => avgPool(ddx as Tensor4D, filterSize, strides, pad),
      input: () => zerosLike(input),
    };
  },
};
