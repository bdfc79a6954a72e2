import {
  add,
  Elu,
  Exp,
  elu,
  exp,
  type GradConfig,
  greaterEqual,
  mul,
  Sigmoid,
  Softmax,
  type SoftmaxAttrs,
  scalar,
  sigmoid,
  softmax,
  square,
  sub,
  sum,
  Tanh,
  type Tensor,
  tanh,
  where,
} from '@tensorflow/tfjs-core';

/*
 * tfjs-core's gradients of these ops read the op's saved output y, and a saved output is a copy the tape does not
 * connect to x: the gradient is right, but differentiating it again misses every term through y (the second
 * derivative of exp, sigmoid and tanh came out as "no path" on cpu and wasm). Gradient penalties (WGAN-GP, R1, R2,
 * DRAGAN) differentiate the discriminator's input gradient again, so a softmax in SAGAN's attention, or a sigmoid,
 * tanh or ELU in a discriminator, lost part of the penalty's gradient. These recompute y from the saved input, with
 * the same ops in the same order as tfjs-core's gradients, so first-order values are unchanged. (tf.logSoftmax has
 * the same flaw in its customGrad, which no kernel gradient can replace; the project does not use it.)
 */

/** d/dx eˣ = eˣ. */
export const expGradConfig: GradConfig = {
  kernelName: Exp,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => ({ x: () => mul(dy as Tensor, exp(saved[0] as Tensor)) }),
};

/** d/dx σ(x) = σ(x)(1 − σ(x)). */
export const sigmoidGradConfig: GradConfig = {
  kernelName: Sigmoid,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const y = sigmoid(saved[0] as Tensor);
    return { x: () => mul(dy as Tensor, mul(y, sub(scalar(1), y))) };
  },
};

/** d/dx tanh(x) = 1 − tanh²(x). */
export const tanhGradConfig: GradConfig = {
  kernelName: Tanh,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => ({ x: () => mul(sub(scalar(1), square(tanh(saved[0] as Tensor))), dy as Tensor) }),
};

/** ∂softmax: y ⊙ (dy − Σ dy ⊙ y). */
export const softmaxGradConfig: GradConfig = {
  kernelName: Softmax,
  inputsToSave: ['logits'],
  gradFunc: (dy, saved, attrs) => {
    const { dim } = attrs as unknown as SoftmaxAttrs;
    const y = softmax(saved[0] as Tensor, dim);
    const dyTimesY = mul(dy as Tensor, y);
    return { logits: () => sub(dyTimesY, mul(sum(dyTimesY, [dim], true), y)) };
  },
};

/** d/dx ELU(x) = 1 for x ≥ 0, ELU(x) + 1 = eˣ below (Clevert et al. 2016). */
export const eluGradConfig: GradConfig = {
  kernelName: Elu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const y = elu(saved[0] as Tensor);
    return { x: () => where(greaterEqual(y, 0), dy as Tensor, mul(dy as Tensor, add(y, 1))) };
  },
};

/** Gradients that replace tfjs-core's, for the second order (see above). */
export const savedOutputGradConfigs: readonly GradConfig[] = [expGradConfig, sigmoidGradConfig, tanhGradConfig, softmaxGradConfig, eluGradConfig];
