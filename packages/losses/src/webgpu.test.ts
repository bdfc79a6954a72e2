import { tf } from '@ganbench/core';
import { expectClose, onCpuAndWebgpu, testValues, webgpuSkipReason } from '@ganbench/core/testing';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_LOSSES, createLoss } from './index.js';

const skipReason = await webgpuSkipReason();

/** Logits in [−3, 3], batch 16, past the kinks of hinge and the energy-based margin often enough to reach both sides. */
const REAL = testValues(16, 11, -3, 3);
const FAKE = testValues(16, 12, -3, 3);
/** Samples [16, 3] and a 3 → 4 feature map, for the losses that read the batches or D's features (loss-sensitive, feature-matching). */
const REAL_SAMPLES = testValues(48, 13, -1, 1);
const FAKE_SAMPLES = testValues(48, 14, -1, 1);
const FEATURE_WEIGHTS = testValues(12, 15, -1, 1);

describe.skipIf(skipReason !== null)('every built-in loss on webgpu agrees with cpu, values and gradients', () => {
  it('covers the registry', () => {
    expect(BUILT_IN_LOSSES.length).toBeGreaterThanOrEqual(12);
  });

  for (const definition of BUILT_IN_LOSSES) {
    it(definition.name, async () => {
      const loss = createLoss(definition.name);
      const { cpu, webgpu } = await onCpuAndWebgpu(() =>
        tf.tidy(() => {
          const real = tf.tensor1d(REAL);
          const fake = tf.tensor1d(FAKE);
          // What the trainer hands a loss besides the logits: the batches D saw, D's features of a batch, the carried scalars.
          const state = Object.fromEntries(Object.entries(loss.carried?.initial ?? {}).map(([key, v]) => [key, tf.scalar(v)]));
          const weights = tf.tensor2d(FEATURE_WEIGHTS, [3, 4]);
          const context = {
            real: tf.tensor2d(REAL_SAMPLES, [16, 3]),
            fake: tf.tensor2d(FAKE_SAMPLES, [16, 3]),
            state,
            features: (x: tf.Tensor) => tf.tanh(tf.matMul(x as tf.Tensor2D, weights)),
          };
          // Both inputs stay on the tape (a generator loss may ignore the real logits): 0·Σx adds a zero gradient.
          const connected = (value: tf.Scalar, ...inputs: tf.Tensor[]) => inputs.reduce((acc, x) => tf.add(acc, tf.mul(0, tf.sum(x))), value) as tf.Scalar;
          const d = tf.valueAndGrads((r: tf.Tensor, f: tf.Tensor) => connected(loss.discriminatorLoss(r, f, context), r, f))([real, fake]);
          const g = tf.valueAndGrads((f: tf.Tensor, r: tf.Tensor) => connected(loss.generatorLoss(f, r, context), f, r))([fake, real]);
          return [d.value, ...d.grads, g.value, ...g.grads];
        }),
      );
      const names = ['D loss', 'dD/dreal', 'dD/dfake', 'G loss', 'dG/dfake', 'dG/dreal'];
      for (let i = 0; i < names.length; i++)
        expectClose(webgpu[i] as number[], cpu[i] as number[], { rtol: 1e-5, atol: 1e-6 }, `${definition.name}: ${names[i]}`);
    });
  }
});
