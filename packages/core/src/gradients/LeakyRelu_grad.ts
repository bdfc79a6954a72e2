import {
  engine,
  type GradConfig,
  getBackend,
  getKernel,
  greater,
  LeakyRelu,
  type LeakyReluAttrs,
  mul,
  type Tensor,
  where,
  zerosLike,
} from '@tensorflow/tfjs-core';
import { LEAKY_RELU_GRAD } from '../kernels/kernel_names.js';

/** dy where x > 0, else α·dy: one kernel where the backend has it (wasm, cpu), else tfjs's where/greater/mul, with the same values. */
function leakyReluBackward(dy: Tensor, x: Tensor, alpha: number): Tensor {
  if (getKernel(LEAKY_RELU_GRAD, getBackend()) === undefined) return where(greater(x, 0), dy, mul(dy, alpha));
  return engine().runKernel(LEAKY_RELU_GRAD, { dy, x }, { alpha }) as Tensor;
}

/** LeakyRelu's gradient (replacing tfjs-core's three kernels where the backend has the one). */
export const leakyReluGradConfig: GradConfig = {
  kernelName: LeakyRelu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [Tensor];
    const { alpha } = attrs as unknown as LeakyReluAttrs;
    return { x: () => leakyReluBackward(dy as Tensor, x, alpha) };
  },
};

/** The gradient's own: linear in dy with the same mask; piecewise constant in x, so zero there (double backprop: WGAN-GP, R1). */
export const leakyReluGradGradConfig: GradConfig = {
  kernelName: LEAKY_RELU_GRAD,
  inputsToSave: ['x'],
  gradFunc: (ddx, saved, attrs) => {
    const [x] = saved as [Tensor];
    const { alpha } = attrs as unknown as LeakyReluAttrs;
    return { dy: () => leakyReluBackward(ddx as Tensor, x, alpha), x: () => zerosLike(x) };
  },
};
