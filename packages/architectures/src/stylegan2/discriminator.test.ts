import { initBackend, ParamStore, Rng, tf } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveStyleGan2Config } from './config.js';
import { discriminator, initDiscriminator } from './discriminator.js';

/** 8×8×3, batch 2: one residual block (8 → 4), minibatch stddev over the pair, the epilogue; few units, so few leaky-ReLU kinks near the weights. */
const CONFIG = resolveStyleGan2Config({ width: 2, maxChannels: 4, mbstdGroupSize: 2 }, [8, 8, 3]);

const scalar = (f: () => tf.Tensor) => tf.tidy(() => f().dataSync()[0] as number);

/** R1's E‖∇ₓD(x)‖² (unweighted): D's backward pass, differentiated again in D's weights by the caller. */
function r1(params: ParamStore, x: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const g = tf.grad((input: tf.Tensor) => tf.sum(discriminator(params, 'd', input, CONFIG, {})))(x);
    return tf.mean(tf.sum(tf.square(g), [1, 2, 3])) as tf.Scalar;
  });
}

describe.each(['cpu', 'wasm'] as const)('StyleGAN2 residual discriminator (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it("R1's gradient in every D weight matches central finite differences (double backprop through the filters, stride-2 convs, minibatch stddev)", () => {
    const params = new ParamStore();
    initDiscriminator(params, 'd', CONFIG, new Rng(1));
    // biases off zero, so they carry gradient
    const shift = new Rng(2);
    for (const name of params.names())
      tf.tidy(() => params.get(name).assign(tf.add(params.get(name), shift.normalTensor([...params.get(name).shape], 0, 0.3))));
    const x = new Rng(3).normalTensor([2, 8, 8, 3]);
    const value = scalar(() => r1(params, x));
    const { grads } = tf.variableGrads(() => r1(params, x), params.trainableVariables());
    const autodiff = params.byName(grads);
    const directions = new Rng(4);
    // the nearest leaky-ReLU kink along these directions lies ≈ 1e-3 away (the quotient jumps there); 3e-4 stays inside one linear piece
    const h = 3e-4;
    for (const name of params.names()) {
      const v = params.get(name);
      const direction = tf.tidy(() => {
        const g = directions.normalTensor([...v.shape]);
        return tf.div(g, tf.norm(g));
      });
      const analytic = autodiff[name] === undefined ? 0 : scalar(() => tf.sum(tf.mul(autodiff[name] as tf.Tensor, direction)));
      const original = v.clone();
      const at = (s: number) => {
        tf.tidy(() => v.assign(tf.add(original, tf.mul(direction, s))));
        return scalar(() => r1(params, x));
      };
      const numeric = (at(h) - at(-h)) / (2 * h);
      v.assign(original);
      tf.dispose([original, direction]);
      // as the path-length test: float32 rounding ≲ 1e-6·R1/h in the quotient, 1 % for truncation; a kink within ±h would fail it
      const rounding = (1e-6 * value) / h;
      expect(Math.abs(numeric - analytic), `${name}: autodiff ${analytic}, finite differences ${numeric}`).toBeLessThanOrEqual(
        1e-2 * Math.abs(analytic) + rounding,
      );
      // the logit's bias does not reach ∇ₓD; other biases only through minibatch stddev (tiny); every kernel's gradient is well above the rounding floor
      if (name === 'd/out/bias') expect(analytic).toBe(0);
      else if (name.endsWith('/kernel')) expect(Math.abs(analytic), name).toBeGreaterThan(3 * rounding);
    }
    tf.dispose([x, ...Object.values(grads)]);
    params.dispose();
  });
});
