import { initBackend, ParamStore, Rng, tf } from '@ganbench/core';
import { checkGradients } from '@ganbench/core/testing';
import { createRegularizer, type Penalty, type PenaltyContext, penaltyContext, registerRegularizer } from '@ganbench/regularizers';
import { exampleTrialConfig } from '@ganbench/study-folder/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileObjective, ObjectiveError, type ObjectiveSettings } from './objective.js';
import { validateTrial } from './trial/validate.js';

const named = (name: string, params: Record<string, number | boolean> = {}) => ({ name, params });
const settings = (loss: string, regularizers: ReturnType<typeof named>[], normalization?: ReturnType<typeof named>): ObjectiveSettings => ({
  loss: named(loss),
  regularizers,
  ...(normalization === undefined ? {} : { normalization }),
});
const scalar = (t: tf.Tensor) => t.dataSync()[0] as number;

const REAL = [
  [1, 2],
  [-0.5, 0.3],
  [0.2, -1.1],
];
const FAKE = [
  [0.4, -0.2],
  [1.5, 0.7],
  [-0.3, -0.9],
];

/** D(x) = x·w + b, a linear discriminator: every input gradient is w, so each penalty has a closed form. */
const linear = (w: tf.Tensor, b: number) => (x: tf.Tensor) => tf.add(tf.reshape(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), [-1]), b);

function context(discriminator: (x: tf.Tensor) => tf.Tensor, seed = 0): PenaltyContext {
  return penaltyContext({ discriminator, real: tf.tensor2d(REAL), fake: tf.tensor2d(FAKE), rng: new Rng(seed), step: 0 });
}

describe('the compiled objective is the sum of its parts', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('on a linear D: Wasserstein loss + GP + R1 = mean D(fake) − mean D(real) + λ(‖w‖ − 1)² + γ/2·‖w‖²', () => {
    const w: [number, number] = [0.6, -1.7];
    const norm = Math.hypot(...w);
    const objective = compileObjective(settings('wasserstein', [named('gradient-penalty', { lambda: 10 }), named('r1', { gamma: 2 })]));
    tf.tidy(() => {
      const d = linear(tf.tensor2d(w, [2, 1]), 0.25);
      const ctx = context(d);
      const dot = ([x0, x1]: number[]) => (x0 as number) * w[0] + (x1 as number) * w[1] + 0.25;
      const mean = (xs: number[][]) => xs.reduce((a, x) => a + dot(x), 0) / xs.length;
      expect(scalar(objective.discriminatorLoss(d(ctx.real), d(ctx.fake)))).toBeCloseTo(mean(FAKE) - mean(REAL), 5);
      expect(scalar(objective.penalty(ctx) as tf.Scalar)).toBeCloseTo(10 * (norm - 1) ** 2 + (2 / 2) * norm ** 2, 4);
      expect(scalar(objective.generatorLoss(d(ctx.fake), d(ctx.real)))).toBeCloseTo(-mean(FAKE), 5);
    });
  });

  it("on a softplus MLP: the compiled penalty equals each regularizer's own penalty summed, and its gradient matches finite differences", () => {
    const parts = [named('gradient-penalty', { lambda: 3 }), named('r1', { gamma: 0.5 }), named('r2', { gamma: 0.25 })];
    const objective = compileObjective(settings('non-saturating', parts));
    const mlp = (W: tf.Tensor, v: tf.Tensor) => (x: tf.Tensor) =>
      tf.reshape(tf.matMul(tf.softplus(tf.matMul(x as tf.Tensor2D, W as tf.Tensor2D)), v as tf.Tensor2D), [-1]);
    const rng = new Rng(11);
    const W0 = rng.normalTensor([2, 4]);
    const v0 = rng.normalTensor([4, 1]);
    tf.tidy(() => {
      const compiled = scalar(objective.penalty(context(mlp(W0, v0), 5)) as tf.Scalar);
      // GP draws the interpolation first and R1, R2 draw nothing, so each part built alone sees the same stream.
      const separate = parts.map((p) =>
        scalar((createRegularizer(p.name, p.params) as Penalty & { name: string }).penalty(context(mlp(W0, v0), 5)) as tf.Scalar),
      );
      expect(compiled).toBeCloseTo(
        separate.reduce((a, b) => a + b, 0),
        5,
      );
    });
    // The whole discriminator objective, differentiated through the input gradients (second order), against central differences.
    const total = (W: tf.Tensor, v: tf.Tensor) => {
      const d = mlp(W, v);
      const ctx = context(d, 5);
      return tf.add(objective.discriminatorLoss(d(ctx.real), d(ctx.fake)), objective.penalty(ctx) as tf.Scalar) as tf.Scalar;
    };
    const check = checkGradients(total, [
      { shape: [2, 4], values: W0.dataSync() as Float32Array },
      { shape: [4, 1], values: v0.dataSync() as Float32Array },
    ]);
    expect(check.maxError).toBeLessThan(5e-3);
    tf.dispose([W0, v0]);
  });

  it('normalization spectral reparametrizes D: a linear D divided by its norm has input gradients of norm 1, so GP = 0 and R1 = γ/2', () => {
    const objective = compileObjective(settings('hinge', [named('gradient-penalty', { lambda: 10 }), named('r1', { gamma: 4 })], named('spectral')));
    expect(objective.reparametrization).not.toBeNull();
    const params = new ParamStore();
    params.create('d/kernel', tf.tensor2d([3, -4], [2, 1]));
    tf.tidy(() => {
      const { weightTransform } = objective.weightOptions(params, { training: true, rng: new Rng(0) });
      const d = (x: tf.Tensor) => {
        const kernel = weightTransform === undefined ? params.get('d/kernel') : weightTransform(params.get('d/kernel'), 'd/kernel');
        return tf.reshape(tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D), [-1]);
      };
      // ‖w‖ = 5: without the normalization GP would be 10·16 and R1 2·25.
      expect(scalar(objective.penalty(context(d)) as tf.Scalar)).toBeCloseTo(0 + 4 / 2, 3);
    });
    params.dispose();
  });

  it('a constraint runs after the step (clipping to ±c), label smoothing replaces the cross-entropy, no penalty is null', () => {
    const objective = compileObjective(settings('minimax', [named('weight-clipping', { c: 0.1 }), named('label-smoothing', { realLabel: 0.9 })]));
    const variable = tf.variable(tf.tensor1d([0.5, -0.05, -2]));
    objective.constrain([variable]);
    expect(Array.from(variable.dataSync())).toEqual([0.1, -0.05, -0.1].map(Math.fround));
    variable.dispose();
    const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
    const [r, f] = [0.7, -0.4];
    const expected = -(0.9 * Math.log(sigmoid(r)) + 0.1 * Math.log(1 - sigmoid(r))) - Math.log(1 - sigmoid(f));
    tf.tidy(() => {
      expect(scalar(objective.discriminatorLoss(tf.tensor1d([r]), tf.tensor1d([f])))).toBeCloseTo(expected, 5);
      expect(objective.penalty(context(linear(tf.tensor2d([1, 1], [2, 1]), 0)))).toBeNull();
    });
  });
});

describe('incompatible combinations fail before any work, naming the field, the value and what is allowed', () => {
  const fails = (s: ObjectiveSettings, field: string, message: string) => {
    let error: unknown;
    try {
      compileObjective(s);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ObjectiveError);
    expect((error as ObjectiveError).field).toBe(field);
    expect((error as ObjectiveError).message).toContain(message);
  };

  it('the same regularizer twice, none or spectral-norm in the list', () => {
    fails(
      settings('hinge', [named('r1', { gamma: 1 }), named('gradient-penalty'), named('r1', { gamma: 2 })]),
      'regularizers[2]',
      "'r1' is already regularizers[0]; allowed: each regularizer once",
    );
    fails(settings('hinge', [named('none')]), 'regularizers[0]', "'none' is not allowed in a list");
    fails(settings('hinge', [named('spectral-norm')]), 'regularizers[0]', 'spectral normalization is the normalization axis: normalization: spectral');
  });

  it('label smoothing with a loss that has no labels', () => {
    fails(
      settings('hinge', [named('gradient-penalty'), named('label-smoothing')]),
      'regularizers[1]',
      "'label-smoothing' needs a loss with labels, a sigmoid cross-entropy (minimax, non-saturating); loss 'hinge' has none",
    );
  });

  it('two reparametrizations of the same weights: a normalization and a regularizer, or two regularizers', () => {
    const identity = (name: string) => ({
      name,
      kind: 'reparametrization' as const,
      description: 'test: leaves the weights as they are',
      reference: 'none',
      params: {},
      create: () => ({ kind: 'reparametrization' as const, weightTransform: () => (w: tf.Tensor) => w }),
    });
    registerRegularizer(identity('test-identity-a'));
    registerRegularizer(identity('test-identity-b'));
    fails(
      settings('hinge', [named('test-identity-a')], named('spectral')),
      'regularizers[0]',
      "regularizer 'test-identity-a' reparametrizes the discriminator's weights, which normalization 'spectral' already does; allowed: one reparametrization of a weight",
    );
    fails(
      settings('hinge', [named('test-identity-a'), named('test-identity-b')]),
      'regularizers[1]',
      "regularizer 'test-identity-b' reparametrizes the discriminator's weights, which regularizer 'test-identity-a' already does",
    );
    expect(compileObjective(settings('hinge', [named('test-identity-a')], named('batch'))).reparametrization).not.toBeNull();
  });

  it('an unknown normalization, and bad hyperparameters, name the field', () => {
    fails(settings('hinge', [], named('group')), 'normalization', "'group' is not allowed; allowed: none, batch, layer, spectral");
    fails(settings('hinge', [named('r1', { gamma: -1 })]), 'regularizers[0]', 'regularizer r1.gamma: -1 is not allowed');
  });

  it('validateTrial reports them by field, and architectures that cannot take a normalization fail there too', () => {
    const smoothing = validateTrial(exampleTrialConfig({ loss: named('hinge'), regularizers: [named('label-smoothing')] }));
    expect(smoothing.map((p) => p.field)).toEqual(['regularizers']);
    expect(validateTrial(exampleTrialConfig({ normalization: named('batch') }))).toEqual([
      { field: 'architecture', message: "architecture mlp: normalization 'batch' is not allowed; mlp takes none, spectral" },
    ]);
    expect(validateTrial(exampleTrialConfig({ normalization: named('spectral', { iterations: 1 }) }))).toEqual([]);
    const image = (architecture: string, options: Record<string, boolean | number>, normalization: string) =>
      validateTrial(
        exampleTrialConfig({
          dataset: { name: 'fashion-mnist' },
          architecture: { name: architecture, options },
          normalization: named(normalization),
          evaluation: { every: 1, samples: 10, metrics: ['fid'] },
        }),
      ).map((p) => p.message);
    expect(image('dcgan', {}, 'layer')).toEqual([]);
    expect(image('dcgan', { discriminatorBatchNorm: true }, 'layer')).toEqual([
      "architecture dcgan.discriminatorBatchNorm: true is not allowed with normalization 'layer'; it is normalization batch (write that and drop the option)",
    ]);
    expect(image('sndcgan', {}, 'spectral')[0]).toContain("architecture sndcgan: normalization 'spectral' is not allowed; sndcgan already divides");
    expect(image('sndcgan', {}, 'batch')).toEqual(["architecture sndcgan: normalization 'batch' is not allowed; sndcgan takes none"]);
  });
});
