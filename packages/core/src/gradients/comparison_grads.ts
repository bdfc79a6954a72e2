import { type GradConfig, type Tensor, zeros } from '@tensorflow/tfjs-core';

/**
 * Comparison and logical ops are piecewise constant, so their exact gradient is zero almost
 * everywhere. tfjs-core registers none, which breaks double backprop through leaky ReLU,
 * clipByValue and maximum (their first-order gradients build a mask with these ops).
 */
export const ZERO_GRADIENT_KERNELS = ['Greater', 'Less', 'LessEqual', 'Equal', 'NotEqual', 'LogicalAnd', 'LogicalOr', 'LogicalNot', 'LogicalXor'] as const;

function zeroGradientConfig(kernelName: string): GradConfig {
  const inputNames = kernelName === 'LogicalNot' ? ['x'] : ['a', 'b'];
  return {
    kernelName,
    inputsToSave: inputNames,
    gradFunc: (_dy, saved) => {
      const grads: Record<string, () => Tensor> = {};
      saved.forEach((input, i) => {
        grads[inputNames[i] as string] = () => zeros(input.shape, 'float32');
      });
      return grads;
    },
  };
}

export const comparisonGradConfigs: GradConfig[] = ZERO_GRADIENT_KERNELS.map(zeroGradientConfig);
