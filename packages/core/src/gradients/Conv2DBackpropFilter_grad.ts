import { Conv2DBackpropFilter, type Conv2DBackpropFilterAttrs, conv2d, conv2dTranspose, type GradConfig, type Tensor4D } from '@tensorflow/tfjs-core';

/**
 * dW = Conv2DBackpropFilter(x, dy) is bilinear in (x, dy): its gradient in x is the transposed
 * convolution of dy with the incoming ddW, in dy the convolution of x with ddW. Needed to
 * differentiate a weight gradient again (consensus optimization, gradient-of-gradient tests).
 */
export const conv2DBackpropFilterGradConfig: GradConfig = {
  kernelName: Conv2DBackpropFilter,
  inputsToSave: ['x', 'dy'],
  gradFunc: (ddw, saved, attrs) => {
    const [x, dy] = saved as [Tensor4D, Tensor4D];
    const { strides, pad, dimRoundingMode } = attrs as unknown as Conv2DBackpropFilterAttrs;
    if (pad !== 'same' && pad !== 'valid' && typeof pad !== 'number') {
      throw new Error('Conv2DBackpropFilter gradient: explicit padding is not supported; use "same", "valid" or a number');
    }
    return {
      x: () => conv2dTranspose(dy, ddw as Tensor4D, x.shape, strides, pad, dimRoundingMode),
      dy: () => conv2d(x, ddw as Tensor4D, strides, pad, 'NHWC', 1, dimRoundingMode),
    };
  },
};
