import { leakyRelu, Rng, tf } from '@ganbench/core';
import { expectClose, onCpuAndWebgpu, testValues, webgpuSkipReason } from '@ganbench/core/testing';
import { describe, expect, it } from 'vitest';
import { adaAugment, adaCarried, BUILT_IN_REGULARIZERS, createRegularizer, drawAda } from './index.js';
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
    const latents = tf.tensor2d(testValues(4 * 3, 27), [4, 3]);
    const gW = tf.tensor2d(testValues(3 * 64, 28), [3, 64]);
    const objective = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
      const discriminator = (x: tf.Tensor) => {
        const h1 = leakyRelu(tf.conv2d(x as tf.Tensor4D, a as tf.Tensor4D, 2, 'same'), 0.2);
        const h2 = leakyRelu(tf.conv2d(h1 as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'), 0.2);
        return tf.reshape(tf.matMul(tf.reshape(h2, [x.shape[0] as number, -1]), c), [-1]);
      };
      // A fresh generator per evaluation: DRAGAN's and WGAN-GP's random points are the same on both backends.
      const context: PenaltyContext = {
        ...penaltyContext({ discriminator, real, fake, rng: new Rng(5), step: 3 }),
        // LeCam's carried anchors; zCR's generator, G(z) = tanh(z·W) as 8×8×1 images.
        state: name === 'lecam' ? { real: tf.scalar(0.2), fake: tf.scalar(-0.1) } : {},
        generator: {
          generate: (z: tf.Tensor) => tf.reshape(tf.tanh(tf.matMul(z as tf.Tensor2D, gW)), [-1, 8, 8, 1]),
          latents: latents,
          generated: tf.reshape(tf.tanh(tf.matMul(latents, gW)), [-1, 8, 8, 1]),
        },
      };
      const penalty = regularizer.penalty(context);
      if (penalty === null) throw new Error(`${name} skipped step 0`);
      return penalty as tf.Scalar;
    };
    const { value, grads } = tf.valueAndGrads(objective)([w1, w2, w3]);
    return [value, ...grads];
  });
}

describe.skipIf(skipReason !== null)('regularizers on webgpu agree with cpu', () => {
  it('the penalties are WGAN-GP, DRAGAN, R1, R2, bCR, LeCam and zCR', () => {
    expect(PENALTIES).toEqual(['gradient-penalty', 'dragan', 'r1', 'r2', 'bcr', 'lecam', 'zcr']);
  });

  for (const name of PENALTIES) {
    it(`${name}: the penalty and its gradient in the discriminator's weights (second order)`, async () => {
      const { cpu, webgpu } = await onCpuAndWebgpu(() => penaltyAndWeightGradients(name));
      expect(cpu[0]?.[0]).toBeGreaterThan(0);
      const names = ['penalty', 'd/dconv1', 'd/dconv2', 'd/ddense'];
      for (let i = 0; i < names.length; i++) expectClose(webgpu[i] as number[], cpu[i] as number[], { rtol: 1e-3, atol: 1e-5 }, `${name}: ${names[i]}`);
    });
  }

  it("ada: the augmentation at a p on the device, its gradient in the images, and p's carried update", async () => {
    const { cpu, webgpu } = await onCpuAndWebgpu(() =>
      tf.tidy(() => {
        const x = tf.tensor4d(testValues(4 * 8 * 8 * 2, 29), [4, 8, 8, 2]);
        const s = tf.tensor4d(testValues(4 * 8 * 8 * 2, 30), [4, 8, 8, 2]);
        const p = tf.scalar(0.7);
        const draws = drawAda(new Rng(6), 4, [8, 8], 'blit,geom');
        const { value, grad } = tf.valueAndGrad((images: tf.Tensor) => tf.sum(tf.mul(s, adaAugment(images as tf.Tensor4D, p, draws))) as tf.Scalar)(x);
        const next = adaCarried({ target: 0.6, interval: 2, kimg: 0.1 }).update(
          { p: tf.scalar(0.3), signs: tf.scalar(3) },
          { realLogits: tf.tensor1d([1, -2, 0.5, 3]), fakeLogits: tf.zeros([4]), step: 1 },
        );
        return [adaAugment(x, p, draws), value, grad, next.p as tf.Tensor, next.rt as tf.Tensor];
      }),
    );
    const names = ['augmented', 'value', 'd/dx', 'p', 'rt'];
    for (let i = 0; i < names.length; i++) expectClose(webgpu[i] as number[], cpu[i] as number[], { rtol: 1e-4, atol: 1e-5 }, `ada: ${names[i]}`);
    expect(cpu[3]).toEqual([0.3 + 0.08].map(Math.fround));
  });

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
