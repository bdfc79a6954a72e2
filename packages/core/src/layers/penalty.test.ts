import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { ParamStore } from '../params.js';
import { leakyRelu } from './activations.js';
import { conv2d } from './conv2d.js';
import { conv2dTranspose } from './conv2dTranspose.js';
import { dense } from './dense.js';
import { batchNorm, instanceNorm, layerNorm } from './normalization.js';
import { avgPoolDownsample, upsampleNearest } from './resample.js';

/** float64 PyTorch reference made by fixtures/make_double_backprop_fixtures.py (Debian python3-torch). */
interface Named {
  shape: number[];
  data: number[];
}
interface FixtureCase {
  name: string;
  inputs: { x: Named };
  params: Record<string, Named>;
  outputs: { d: number[]; penalty: number; grads: Record<string, Named>; penalty_r1?: number; grads_r1?: Record<string, Named> };
}
const fixture = JSON.parse(readFileSync(new URL('../../fixtures/double_backprop.json', import.meta.url), 'utf8')) as { cases: FixtureCase[] };

const PARAM_NAMES: Record<string, string> = {
  w1: 'c1/kernel',
  b1: 'c1/bias',
  w2: 'c2/kernel',
  b2: 'c2/bias',
  g1: 'bn/gamma',
  be1: 'bn/beta',
  w3: 'fc/kernel',
  b3: 'fc/bias',
};

function storeFor(c: FixtureCase): ParamStore {
  const p = new ParamStore();
  for (const [k, v] of Object.entries(c.params)) p.create(PARAM_NAMES[k] as string, tf.tensor(v.data, v.shape));
  if (p.has('bn/gamma')) {
    const channels = p.get('bn/gamma').shape[0] as number;
    p.create('bn/moving_mean', tf.zeros([channels]), { trainable: false });
    p.create('bn/moving_variance', tf.ones([channels]), { trainable: false });
  }
  return p;
}

/** The fixture's discriminators, built from the project's layers. */
function discriminator(name: string, p: ParamStore, x: tf.Tensor): tf.Tensor {
  const n = x.shape[0] as number;
  const flat = (h: tf.Tensor) => dense(p, 'fc', tf.reshape(h, [n, -1])).reshape([n]);
  if (name === 'conv_lrelu_dense' || name === 'smooth_conv_dense') {
    const act = name === 'conv_lrelu_dense' ? (h: tf.Tensor) => leakyRelu(h, 0.2) : tf.softplus;
    const h = act(conv2d(p, 'c1', x, { strides: 1 }));
    return flat(act(conv2d(p, 'c2', h, { strides: 2 })));
  }
  let h: tf.Tensor = leakyRelu(conv2d(p, 'c1', x, { strides: 2 }), 0.2);
  h = conv2dTranspose(p, 'c2', upsampleNearest(avgPoolDownsample(h)), { strides: 2 });
  if (name === 'all_layers') return flat(leakyRelu(instanceNorm(layerNorm(batchNorm(p, 'bn', h, { training: true })))));
  h = leakyRelu(batchNorm(p, 'bn', h, { training: true }), 0.2);
  h = leakyRelu(instanceNorm(h), 0.2);
  return flat(leakyRelu(layerNorm(h), 0.2));
}

/** WGAN-GP's E(‖∇ₓD(x)‖ − 1)² or R1's E‖∇ₓD(x)‖², unweighted, as the fixture stores them. */
function penalty(name: string, p: ParamStore, x: tf.Tensor, kind: 'gp' | 'r1'): tf.Scalar {
  const g = tf.grad((xi: tf.Tensor) => tf.sum(discriminator(name, p, xi)))(x);
  const sq = tf.sum(tf.square(g), [1, 2, 3]);
  return (kind === 'r1' ? tf.mean(sq) : tf.mean(tf.square(tf.sub(tf.sqrt(sq), 1)))) as tf.Scalar;
}

function expectClose(actual: ArrayLike<number>, expected: number[], atol: number, rtol: number, label: string) {
  expect(actual.length, label).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as number;
    expect(Math.abs((actual[i] as number) - e), `${label}[${i}]: ${actual[i]} vs ${e}`).toBeLessThanOrEqual(atol + rtol * Math.abs(e));
  }
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`gradient-penalty weight gradients through every layer on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it.each(fixture.cases.map((c) => [c.name, c] as const))('%s matches the float64 PyTorch reference', (_, c) => {
      const p = storeFor(c);
      const x = tf.tensor(c.inputs.x.data, c.inputs.x.shape);
      expectClose(discriminator(c.name, p, x).dataSync(), c.outputs.d, 1e-4, 1e-4, 'D(x)');
      const kinds: ['gp' | 'r1', number, Record<string, Named>][] = [['gp', c.outputs.penalty, c.outputs.grads]];
      if (c.outputs.penalty_r1 !== undefined && c.outputs.grads_r1 !== undefined) kinds.push(['r1', c.outputs.penalty_r1, c.outputs.grads_r1]);
      for (const [kind, value, grads] of kinds) {
        const vars = p.trainableVariables();
        const { value: pen, grads: raw } = tf.variableGrads(() => penalty(c.name, p, x, kind), vars);
        const got = p.byName(raw);
        expectClose(pen.dataSync(), [value], 1e-4, 1e-3, `${kind} penalty`);
        for (const [k, ref] of Object.entries(grads)) {
          const scale = Math.max(...ref.data.map(Math.abs), 1);
          // A weight the penalty does not reach (the last bias) gets no gradient from tfjs: it is zero.
          const g = got[PARAM_NAMES[k] as string];
          expectClose(g === undefined ? new Float32Array(ref.data.length) : g.dataSync(), ref.data, 2e-3 * scale, 2e-3, `${kind} d/d${k}`);
        }
        tf.dispose([pen, ...Object.values(raw)]);
      }
      p.dispose();
      x.dispose();
    });

    it('the smooth stand-in matches central finite differences in every weight', () => {
      const c = fixture.cases.find((k) => k.name === 'smooth_conv_dense') as FixtureCase;
      const p = storeFor(c);
      const x = tf.tensor(c.inputs.x.data, c.inputs.x.shape);
      const { grads: raw } = tf.variableGrads(() => penalty(c.name, p, x, 'gp'), p.trainableVariables());
      const autograd = p.byName(raw);
      const h = 1e-2;
      for (const [k, ref] of Object.entries(c.params)) {
        const v = p.get(PARAM_NAMES[k] as string);
        const analytic = autograd[PARAM_NAMES[k] as string]?.dataSync() ?? new Float32Array(ref.data.length);
        for (let i = 0; i < ref.data.length; i += Math.max(1, Math.floor(ref.data.length / 5))) {
          const at = (delta: number) => {
            const shifted = Float32Array.from(ref.data);
            shifted[i] = (shifted[i] as number) + delta;
            tf.tidy(() => v.assign(tf.tensor(shifted, ref.shape)));
            return tf.tidy(() => penalty(c.name, p, x, 'gp').dataSync()[0] as number);
          };
          const numeric = (at(h) - at(-h)) / (2 * h);
          expect(Math.abs((analytic[i] as number) - numeric), `d/d${k}[${i}]`).toBeLessThan(1e-2 * Math.max(1, Math.abs(numeric)));
        }
        tf.tidy(() => v.assign(tf.tensor(ref.data, ref.shape)));
      }
      tf.dispose(Object.values(raw));
      p.dispose();
      x.dispose();
    });
  });
}
