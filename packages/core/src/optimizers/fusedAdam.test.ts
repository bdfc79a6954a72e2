import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { testValues } from '../testing/index.js';
import { ADAM_UPDATE, FusedAdamOptimizer, fusedAdam } from './fusedAdam.js';

/** Variables of a few shapes and a loss whose gradients differ every step; returns every variable's values after each step. */
function train(optimizer: tf.Optimizer, steps: number): Float32Array[][] {
  const shapes = [[3, 5], [5], [2, 2, 3, 4], [1], [7, 37]];
  const vars = shapes.map((shape, i) =>
    tf.variable(
      tf.tensor(
        testValues(
          shape.reduce((p, d) => p * d, 1),
          10 + i,
        ),
        shape,
      ),
    ),
  );
  const history: Float32Array[][] = [];
  for (let step = 0; step < steps; step++) {
    const loss = () => tf.tidy(() => tf.addN(vars.map((v, i) => tf.sum(tf.mul(tf.sin(tf.mul(v, step + 1 + i)), tf.square(v))))) as tf.Scalar);
    optimizer.minimize(loss);
    history.push(vars.map((v) => v.dataSync() as Float32Array));
  }
  tf.dispose(vars);
  return history;
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`fused Adam on ${backend}`, () => {
    it("gives tfjs's Adam bit for bit, slots and bias corrections included, over several steps", async () => {
      await initBackend(backend);
      const reference = tf.train.adam(0.01, 0.5, 0.999);
      const fused = fusedAdam(0.01, 0.5, 0.999);
      expect(fused).toBeInstanceOf(FusedAdamOptimizer);
      const expected = train(reference, 6);
      const actual = train(fused, 6);
      expect(tf.getKernel(ADAM_UPDATE, backend)).toBeDefined();
      expect(actual[0]).not.toEqual(actual[1]);
      expect(actual).toEqual(expected);
      const slots = async (o: tf.Optimizer) => Promise.all((await o.getWeights()).map(async (w) => [w.name.replace(/^.*\//, ''), await w.tensor.data()]));
      expect((await slots(fused)).map(([, d]) => d)).toEqual((await slots(reference)).map(([, d]) => d));
      reference.dispose();
      fused.dispose();
    });

    it('keeps the tensor count flat across steps', async () => {
      await initBackend(backend);
      const v = tf.variable(tf.ones([4, 4]));
      const optimizer = fusedAdam(1e-3);
      const counts: number[] = [];
      for (let i = 0; i < 4; i++) {
        optimizer.minimize(() => tf.sum(tf.square(v)) as tf.Scalar);
        counts.push(tf.memory().numTensors);
      }
      expect(counts.at(-1)).toBe(counts[1]);
      optimizer.dispose();
      v.dispose();
    });
  });
}
