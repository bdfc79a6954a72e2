import { leakyRelu, Rng, tf } from '@ganbench/core';
import { expectClose, onCpuAndWebgpu, testValues, webgpuSkipReason } from '@ganbench/core/testing';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_REGULARIZERS, createRegularizer } from './index.js';
import { type PenaltyContext, penaltyContext } from './types.js';

const skipReason = await webgpuSkipReason();

const PENALTIES = BUILT_IN_REGULARIZERS.filter((d) => d.kind === 'penalty').map((d) => d.name);

/** D(x) = dense(lrelu(conv s2(lrelu(conv s2(x))))) on 8×8×1 images, batch 4: the DCGAN discriminator in miniature. */
function penaltyAndWeightGradients(name: string): tf.Tensor[] {
  return tf.tidy(() => {
    const regularizer = createRegularizer(name, name === 'r1' || name === 'r2' ? { gamma: 10, every: 1 } : {});
    if (regularizer.kind !== 'penalty') throw new Error(`${name} is not a penalty`);
    const real = tf.tensor4d(testValues(4 * 8 * 8, 21), [4, 8, 8, 1]);
    const fake = tf.tensor4d(testValues(4 * 8 * 8, 22), [4, 8, 8, 1]);
    const w1 = tf.tensor4d(testValues(3 * 3 * 1 * 4, 23, -0.5, 0.5), [3, 3, 1, 4]);
    const w2 = tf.tensor4d(testValues(3 * 3 * 4 * 6, 24, -0.3, 0.3), [3, 3, 4, 6]);
    const w3 = tf.tensor2d(testValues(2 * 2 * 6, 25, -0.3, 0.3), [2 * 2 * 6, 1]);
    const objective = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
      const discriminator = (x: tf.Tensor) => {
        const h1 = leakyRelu(tf.conv2d(x as tf.Tensor4D, a as tf.Tensor4D, 2, 'same'), 0.2);
        const h2 = leakyRelu(tf.conv2d(h1 as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'), 0.2);
        return tf.reshape(tf.matMul(tf.reshape(h2, [x.shape[0] as number, -1]), c), [-1]);
      };
      // A fresh generator per evaluation: DRAGAN's and WGAN-GP's random points are the same on both backends.
      const context: PenaltyContext = penaltyContext({ discriminator, real, fake, rng: new Rng(5), step: 0 });
      const penalty = regularizer.penalty(context);
      if (penalty === null) throw new Error(`${name} skipped step 0`);
      return penalty as tf.Scalar;
    };
    const { value, grads } = tf.valueAndGrads(objective)([w1, w2, w3]);
    return [value, ...grads];
  });
}

describe.skipIf(skipReason !== null)('regularizers on webgpu agree with cpu', () => {
  it('the penalties are WGAN-GP, DRAGAN, R1, R2 and bCR', () => {
    expect(PENALTIES).toEqual(['gradient-penalty', 'dragan', 'r1', 'r2', 'bcr']);
  });

  for (const name of PENALTIES) {
    it(`${name}: the penalty and its gradient in the discriminator's weights (second order)`, async () => {
      const { cpu, webgpu } = await onCpuAndWebgpu(() => penaltyAndWeightGradients(name));
      expect(cpu[0]?.[0]).toBeGreaterThan(0);
      const names = ['penalty', 'd/dconv1', 'd/dconv2', 'd/ddense'];
      for (let i = 0; i < names.length; i++) expectClose(webgpu[i] as number[], cpu[i] as number[], { rtol: 1e-3, atol: 1e-5 }, `${name}: ${names[i]}`);
    });
  }

  it('weight-clipping keeps the same weights', async () => {
    const clip = createRegularizer('weight-clipping', { c: 0.3 });
    if (clip.kind !== 'constraint') throw new Error('weight-clipping is not a constraint');
    const { cpu, webgpu } = await onCpuAndWebgpu(() => {
      const v = tf.variable(tf.tensor1d(testValues(64, 26, -1, 1)));
      clip.apply([v]);
      return v;
    });
    expect(Math.max(...(cpu[0] as number[]).map(Math.abs))).toBeCloseTo(0.3, 6);
    expect(webgpu[0]).toEqual(cpu[0]);
  });
});
