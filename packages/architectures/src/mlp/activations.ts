import { leakyRelu, tf } from '@ganbench/core';

export const MLP_ACTIVATIONS = ['relu', 'leaky-relu', 'tanh', 'elu'] as const;
export type MlpActivation = (typeof MLP_ACTIVATIONS)[number];

export function isMlpActivation(value: unknown): value is MlpActivation {
  return typeof value === 'string' && (MLP_ACTIVATIONS as readonly string[]).includes(value);
}

/** The hidden-layer nonlinearity; leaky-relu is core's (α = 0.2, DCGAN's slope, fast on wasm). */
export function applyActivation(name: MlpActivation, x: tf.Tensor2D): tf.Tensor2D {
  switch (name) {
    case 'relu':
      return tf.relu(x);
    case 'leaky-relu':
      return leakyRelu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'elu':
      return tf.elu(x);
  }
}
