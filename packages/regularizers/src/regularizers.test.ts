import { dense, initBackend, initConv2d, initDense, ParamStore, Rng, tf } from '@ganbench/core';
import { checkGradients, testValues } from '@ganbench/core/testing';
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type BoundRegularizer,
  type Constraint,
  createNormalization,
  createRegularizer,
  type InputNoise,
  type LabelSmoothing,
  listRegularizers,
  NORMALIZATIONS,
  type Penalty,
  type PenaltyContext,
  penaltyContext,
  type Reparametrization,
  spectralNormStateName,
  weightMatrix,
} from './index.js';

const W = [0.6, -1.2, 0.9];
const NORM = Math.hypot(...W);

function penaltyOf(reg: BoundRegularizer): Penalty {
  if (reg.kind !== 'penalty') throw new Error(`${reg.name} is not a penalty`);
  return reg;
}

/** D(x) = w·x on a batch of 5 points in R³; the penalty as a function of w. */
function linearPenalty(name: string, params: Record<string, unknown>, step = 0) {
  const penalty = penaltyOf(createRegularizer(name, params));
  const real = tf.tensor2d(testValues(15, 41), [5, 3]);
  const fake = tf.tensor2d(testValues(15, 42), [5, 3]);
  const at = (w: tf.Tensor) => {
    const context: PenaltyContext = penaltyContext({
      discriminator: (x) => tf.reshape(tf.matMul(x, tf.reshape(w, [3, 1])), [-1]),
      real,
      fake,
      rng: new Rng(7),
      step,
    });
    return penalty.penalty(context);
  };
  const w = tf.tensor1d(W);
  const penaltyValue = at(w);
  const value = penaltyValue === null ? null : (penaltyValue.dataSync()[0] as number);
  penaltyValue?.dispose();
  const grad =
    value === null
      ? null
      : tf.tidy(() =>
          Array.from(
            tf
              .grad((v: tf.Tensor) => at(v) as tf.Scalar)(w)
              .dataSync(),
          ),
        );
  tf.dispose([real, fake, w]);
  return { value, grad };
}

/** A small conv discriminator with softplus (finite differences need a smooth activation). */
function convDiscriminator(kernel: tf.Tensor, params: ParamStore) {
  return (x: tf.Tensor) => {
    const h = tf.softplus(tf.add(tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, 2, 'same'), params.get('c/bias')));
    return tf.reshape(dense(params, 'fc', tf.reshape(h, [x.shape[0] as number, -1])), [-1]);
  };
}

function topSingularValue(weight: tf.Tensor): number {
  const m = weightMatrix(weight);
  const rows = m.arraySync() as number[][];
  m.dispose();
  return new SingularValueDecomposition(new Matrix(rows), { computeLeftSingularVectors: false, computeRightSingularVectors: false }).diagonal[0] as number;
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`regularizers on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it('on D(x) = w·x the gradient penalty is λ(‖w‖ − 1)² with gradient 2λ(‖w‖ − 1)·w/‖w‖', () => {
      const { value, grad } = linearPenalty('gradient-penalty', { lambda: 3 });
      expect(value).toBeCloseTo(3 * (NORM - 1) ** 2, 5);
      expect(grad).toEqual(W.map((wi) => expect.closeTo((2 * 3 * (NORM - 1) * wi) / NORM, 4)));
    });

    it('the one-sided gradient penalty ignores norms below the target', () => {
      expect(linearPenalty('gradient-penalty', { lambda: 3, oneSided: true, target: 3 }).value).toBeCloseTo(0, 7);
      expect(linearPenalty('gradient-penalty', { lambda: 3, oneSided: true }).value).toBeCloseTo(3 * (NORM - 1) ** 2, 5);
    });

    it('DRAGAN on a linear D is λ(‖w‖ − 1)² too', () => {
      expect(linearPenalty('dragan', { lambda: 2 }).value).toBeCloseTo(2 * (NORM - 1) ** 2, 5);
    });

    it.each(['r1', 'r2'])('on D(x) = w·x, %s is γ/2·‖w‖² with gradient γ·w', (name) => {
      const { value, grad } = linearPenalty(name, { gamma: 0.4 });
      expect(value).toBeCloseTo(0.2 * NORM ** 2, 5);
      expect(grad).toEqual(W.map((wi) => expect.closeTo(0.4 * wi, 5)));
    });

    it('lazy regularization skips steps and scales the weight by the interval', () => {
      expect(linearPenalty('r1', { gamma: 0.4, every: 4 }, 3).value).toBeNull();
      expect(linearPenalty('r1', { gamma: 0.4, every: 4 }, 8).value).toBeCloseTo(4 * 0.2 * NORM ** 2, 5);
    });

    it.each([
      ['gradient-penalty', { lambda: 10 }],
      ['dragan', { lambda: 10 }],
      ['r1', { gamma: 1 }],
      ['r2', { gamma: 1 }],
    ] as const)('%s: the gradient in the conv weights (double backprop) matches finite differences', (name, params) => {
      const penalty = penaltyOf(createRegularizer(name, params));
      const store = new ParamStore();
      const rng = new Rng(3);
      initConv2d(store, 'c', 3, 2, 3, rng, 0.5);
      initDense(store, 'fc', 4 * 4 * 3, 1, rng, 0.5);
      const real = tf.tensor4d(testValues(2 * 8 * 8 * 2, 43), [2, 8, 8, 2]);
      const fake = tf.tensor4d(testValues(2 * 8 * 8 * 2, 44), [2, 8, 8, 2]);
      const f = (kernel: tf.Tensor) =>
        penalty.penalty(penaltyContext({ discriminator: convDiscriminator(kernel, store), real, fake, rng: new Rng(9), step: 0 })) as tf.Scalar;
      const kernel = store.get('c/kernel');
      const check = checkGradients(f, [{ shape: kernel.shape, values: kernel.dataSync() as Float32Array }], { h: 1e-2 });
      expect(check.maxError).toBeLessThan(2e-3);
      // The check means something only if the gradient does: some coordinates well away from zero.
      expect(Math.max(...check.pairs.map(([, numeric]) => Math.abs(numeric)))).toBeGreaterThan(0.05);
      tf.dispose([real, fake]);
      store.dispose();
    });

    it.each([
      ['dense', [24, 10]],
      ['conv', [3, 3, 4, 6]],
    ] as const)('spectral norm on a %s weight: σ(W/σ(W)) is 1 within 1e-3 (SVD by ml-matrix); u is saved, not trained', (_, shape) => {
      const sn = createNormalization('spectral').reparametrization as Reparametrization;
      const store = new ParamStore();
      const rng = new Rng(5);
      store.create('layer/kernel', rng.normalTensor([...shape]));
      const transform = sn.weightTransform(store, { training: true, rng });
      for (let i = 0; i < 60; i++) tf.dispose(transform(store.get('layer/kernel'), 'layer/kernel'));
      const normalized = transform(store.get('layer/kernel'), 'layer/kernel');
      expect(topSingularValue(store.get('layer/kernel'))).toBeGreaterThan(1.5);
      expect(Math.abs(topSingularValue(normalized) - 1)).toBeLessThan(1e-3);
      expect(store.names()).toContain(spectralNormStateName('layer/kernel'));
      expect(store.trainableVariables().length).toBe(1);
      normalized.dispose();
      store.dispose();
    });

    it('spectral norm in eval mode leaves u unchanged', () => {
      const sn = createNormalization('spectral', { iterations: 2 }).reparametrization as Reparametrization;
      const store = new ParamStore();
      const rng = new Rng(6);
      store.create('k', rng.normalTensor([5, 4]));
      tf.dispose(sn.weightTransform(store, { training: true, rng })(store.get('k'), 'k'));
      const before = Array.from(store.get(spectralNormStateName('k')).dataSync());
      tf.dispose(sn.weightTransform(store, { training: false, rng })(store.get('k'), 'k'));
      expect(Array.from(store.get(spectralNormStateName('k')).dataSync())).toEqual(before);
      store.dispose();
    });

    it('weight clipping leaves every weight in [−c, c] and the ones inside untouched', () => {
      const clip = createRegularizer('weight-clipping', { c: 0.05 }) as Constraint & BoundRegularizer;
      const values = testValues(50, 45, -0.2, 0.2);
      const v = tf.variable(tf.tensor1d(values));
      clip.apply([v]);
      const after = v.dataSync();
      expect(Array.from(after)).toEqual(Array.from(values).map((x) => expect.closeTo(Math.max(-0.05, Math.min(0.05, x)), 7)));
      expect(Math.max(...Array.from(after).map(Math.abs))).toBeLessThanOrEqual(0.05 + 1e-7);
      v.dispose();
    });

    it('instance noise has the scheduled standard deviation and anneals to zero', () => {
      const noise = createRegularizer('instance-noise', { sigma: 0.5, annealSteps: 100 }) as InputNoise & BoundRegularizer;
      const x = tf.zeros([4000]);
      const std = (step: number) => tf.tidy(() => Math.sqrt(tf.moments(noise.perturb(x, new Rng(1), step)).variance.dataSync()[0] as number));
      expect(std(0)).toBeCloseTo(0.5, 1);
      expect(std(50)).toBeCloseTo(0.25, 1);
      expect(std(100)).toBe(0);
      x.dispose();
    });

    it('label smoothing: −E[ℓ log σ(r) + (1−ℓ) log(1−σ(r))] − E log(1−σ(f))', () => {
      const smoothing = createRegularizer('label-smoothing') as LabelSmoothing & BoundRegularizer;
      const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
      const real = [1.2, -0.3];
      const fake = [0.4, -2];
      const expected =
        real.reduce((s, r) => s - 0.9 * Math.log(sigmoid(r)) - 0.1 * Math.log(1 - sigmoid(r)), 0) / 2 +
        fake.reduce((s, f) => s - Math.log(1 - sigmoid(f)), 0) / 2;
      const value = tf.tidy(() => smoothing.discriminatorLoss(tf.tensor1d(real), tf.tensor1d(fake)).dataSync()[0] as number);
      expect(value).toBeCloseTo(expected, 5);
    });
  });
}

describe('the regularizer registry', () => {
  it('lists every regularizer the issue names, by kind', () => {
    expect(listRegularizers().map((r) => [r.name, r.kind])).toEqual([
      ['weight-clipping', 'constraint'],
      ['gradient-penalty', 'penalty'],
      ['dragan', 'penalty'],
      ['r1', 'penalty'],
      ['r2', 'penalty'],
      ['bcr', 'penalty'],
      ['lecam', 'penalty'],
      ['zcr', 'penalty'],
      ['instance-noise', 'input-noise'],
      ['diffaugment', 'augmentation'],
      ['ada', 'augmentation'],
      ['label-smoothing', 'label-smoothing'],
    ]);
  });

  it('bad names and hyperparameters fail before training, naming the field', () => {
    expect(() => createRegularizer('gp')).toThrow("regularizer: unknown regularizer 'gp'; registered: none, weight-clipping, gradient-penalty");
    expect(() => createRegularizer('r1')).toThrow('regularizer r1.gamma: required');
    expect(() => createRegularizer('gradient-penalty', { lambda: -1 })).toThrow('regularizer gradient-penalty.lambda: -1 is not allowed; must be a number ≥ 0');
    expect(() => createRegularizer('weight-clipping', { c: 0 })).toThrow('regularizer weight-clipping.c: 0 is not allowed; must be a number > 0');
  });
});

describe('the normalizations of the discriminator', () => {
  it("are Kurach et al.'s four; spectral is the spectral-norm reparametrization, the others are the architecture's layers", () => {
    expect(NORMALIZATIONS.map((n) => [n.name, n.appliedBy])).toEqual([
      ['none', 'architecture'],
      ['batch', 'architecture'],
      ['layer', 'architecture'],
      ['spectral', 'weights'],
    ]);
    expect(createNormalization('spectral').params).toEqual({ iterations: 1 });
    expect(createNormalization('batch').reparametrization).toBeNull();
  });

  it('spectral-norm is no longer a regularizer a trial lists, and a bad normalization names what is allowed', () => {
    expect(() => createRegularizer('spectral-norm')).toThrow("unknown regularizer 'spectral-norm'");
    expect(() => createNormalization('spectral-norm')).toThrow(
      "normalization: 'spectral-norm' is not allowed (spectral normalization is named 'spectral'); allowed: none, batch, layer, spectral",
    );
    expect(() => createNormalization('spectral', { iterations: 0 })).toThrow('normalization spectral.iterations: 0 is not allowed');
  });
});
