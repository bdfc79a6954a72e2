import { initBackend, type NamedArray, ParamStore, Rng, tf } from '@ganbench/core';
import type { OptimizerConfig } from '@ganbench/study-folder';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGanTrainer, type GanModel, type GanTrainerConfig } from './ganTrainer.js';
import { createOptimizer, optimizerSlots, restoreOptimizerSlots } from './optimizers/optimizers.js';
import { objectiveOf } from './testing/objective.js';
import { unrollDiscriminator, validateUnrolledSteps } from './unrolled.js';

/**
 * G(z) = zA + c (2-D), D(x) = tanh(xW + b)·v: small enough for finite differences over every generator
 * scalar. `deadUnit`: D's third unit is a ReLU that never fires (bias −100), so its weights' gradients and
 * Adam's v for them are exactly 0.
 */
function tinyModel(seed: number, deadUnit = false): GanModel {
  const rng = new Rng(seed);
  const generatorParams = new ParamStore();
  generatorParams.create('A', rng.normalTensor([2, 2], 0, 0.8));
  generatorParams.create('c', rng.normalTensor([2], 0, 0.5));
  const discriminatorParams = new ParamStore();
  discriminatorParams.create('W', rng.normalTensor([2, 3], 0, 0.8));
  discriminatorParams.create('b', rng.normalTensor([3], 0, 0.3));
  discriminatorParams.create('v', rng.normalTensor([3, 1], 0, 0.8));
  if (deadUnit) tf.tidy(() => discriminatorParams.get('b').assign(tf.concat([discriminatorParams.get('b').slice([0], [2]), tf.tensor1d([-100])])));
  const hidden = (h: tf.Tensor) => (deadUnit ? tf.concat([tf.tanh(h.slice([0, 0], [-1, 2])), tf.relu(h.slice([0, 2], [-1, 1]))], 1) : tf.tanh(h));
  return {
    generatorParams,
    discriminatorParams,
    latentDim: 2,
    generate: (p, z) => tf.add(tf.matMul(z as tf.Tensor2D, p.get('A') as tf.Tensor2D), p.get('c')),
    discriminate: (p, x) =>
      tf.reshape(tf.matMul(hidden(tf.add(tf.matMul(x as tf.Tensor2D, p.get('W') as tf.Tensor2D), p.get('b'))) as tf.Tensor2D, p.get('v') as tf.Tensor2D), [-1]),
  };
}

const N = 6;
const objective = objectiveOf('minimax');

/** Fixed batches: real and latent for each of k surrogate steps, then the generator step's. */
function batches(k: number) {
  const rng = new Rng(7);
  return Array.from({ length: k + 1 }, () => ({ real: rng.normalTensor([N, 2], 1, 0.5), z: rng.normalTensor([N, 2]) }));
}
type Batches = ReturnType<typeof batches>;

/** One step of `optimizer` on D (`d`'s variables, in the trainer's order) against the fixed generator. */
function discriminatorStep(model: GanModel, d: ParamStore, optimizer: tf.Optimizer, real: tf.Tensor, z: tf.Tensor): void {
  optimizer.minimize(
    () => {
      const fake = model.generate(model.generatorParams, z, { training: true });
      return objective.discriminatorLoss(model.discriminate(d, real, { training: true }), model.discriminate(d, fake, { training: true }));
    },
    false,
    d.trainableVariables(),
  );
}

/** The optimizer the trainer would create, after `steps` real D steps on batches of its own: live moments and step count. */
function warmOptimizer(model: GanModel, config: OptimizerConfig, steps: number): tf.Optimizer {
  const optimizer = createOptimizer(config);
  const rng = new Rng(11);
  for (let i = 0; i < steps; i++) {
    const [real, z] = [rng.normalTensor([N, 2], 1, 0.5), rng.normalTensor([N, 2])];
    discriminatorStep(model, model.discriminatorParams, optimizer, real, z);
    tf.dispose([real, z]);
  }
  return optimizer;
}

/**
 * A copy of D after k explicit steps of a copy of the optimizer (its slots as a checkpoint saves and restores
 * them: the same live state), and the generator loss against it on the last batch.
 */
async function explicitSteps(model: GanModel, data: Batches, k: number, config: OptimizerConfig, slots: NamedArray[]) {
  const d = model.discriminatorParams.clone();
  const optimizer = createOptimizer(config);
  await restoreOptimizerSlots(optimizer, 'd', slots);
  for (let i = 0; i < k; i++) {
    const { real, z } = data[i] as Batches[0];
    discriminatorStep(model, d, optimizer, real, z);
  }
  optimizer.dispose();
  const { real, z } = data[k] as Batches[0];
  const generatorLoss = () => {
    const fake = model.generate(model.generatorParams, z, { training: true });
    return objective.generatorLoss(model.discriminate(d, fake, { training: true }), model.discriminate(d, real, { training: true }));
  };
  return { d, generatorLoss };
}

async function explicitLoss(model: GanModel, data: Batches, k: number, config: OptimizerConfig, slots: NamedArray[]): Promise<number> {
  const { d, generatorLoss } = await explicitSteps(model, data, k, config, slots);
  const loss = tf.tidy(generatorLoss);
  const out = loss.dataSync()[0] as number;
  tf.dispose([loss]);
  d.dispose();
  return out;
}

/** L_G and ∂L_G/∂θ_G through k unrolled steps of `optimizer` by autograd (unrollDiscriminator inside variableGrads). */
function unrolledGradient(model: GanModel, data: Batches, k: number, optimizer: tf.Optimizer) {
  let i = 0;
  const { grads, value } = tf.variableGrads(() => {
    i = 0;
    const d = unrollDiscriminator(model, objective, {
      steps: k,
      optimizer,
      batchSize: N,
      sampleReal: () => (data[i] as Batches[0]).real,
      latent: () => (data[i++] as Batches[0]).z,
      options: { training: true },
    });
    const { real, z } = data[k] as Batches[0];
    const fake = model.generate(model.generatorParams, z, { training: true });
    return objective.generatorLoss(model.discriminate(d, fake, { training: true }), model.discriminate(d, real, { training: true }));
  }, model.generatorParams.trainableVariables());
  const gradient = flat(model.generatorParams.byName(grads));
  const loss = value.dataSync()[0] as number;
  tf.dispose([value, ...Object.values(grads)]);
  return { loss, gradient };
}

/** Central differences of the explicit loss over every generator scalar, in flat's order. */
async function finiteDifferences(model: GanModel, data: Batches, k: number, config: OptimizerConfig, slots: NamedArray[], h = 1e-2): Promise<number[]> {
  const out: Record<string, number[]> = {};
  for (const name of model.generatorParams.names()) {
    const v = model.generatorParams.get(name);
    const base = Array.from(v.dataSync());
    out[name] = [];
    for (const j of base.keys()) {
      const at = (delta: number) => {
        const values = base.slice();
        values[j] = (values[j] as number) + delta;
        tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
        return explicitLoss(model, data, k, config, slots);
      };
      const g = ((await at(h)) - (await at(-h))) / (2 * h);
      tf.tidy(() => v.assign(tf.tensor(base, v.shape)));
      out[name].push(g);
    }
  }
  return flatNumbers(out);
}

/** The first-order gradient: D after the k explicit steps held fixed (what the plain generator step sees of it). */
async function firstOrderGradient(model: GanModel, data: Batches, k: number, config: OptimizerConfig, slots: NamedArray[]): Promise<number[]> {
  const { d, generatorLoss } = await explicitSteps(model, data, k, config, slots);
  const { grads, value } = tf.variableGrads(generatorLoss, model.generatorParams.trainableVariables());
  const out = flat(model.generatorParams.byName(grads));
  tf.dispose([value, ...Object.values(grads)]);
  d.dispose();
  return out;
}

const flatNumbers = (g: Record<string, number[]>) =>
  Object.keys(g)
    .sort()
    .flatMap((name) => g[name] as number[]);
const flat = (g: Record<string, tf.Tensor>) => flatNumbers(Object.fromEntries(Object.entries(g).map(([name, t]) => [name, Array.from(t.dataSync())])));

/**
 * The trainer's optimizers, each after 3 real D steps (live moments, Adam's bias corrections at t = 4…)
 * and Adam also fresh (no slots yet: zero moments, t = 1). Learning rates large enough for k steps to move
 * D's decision visibly on this tiny problem.
 */
const CASES: { label: string; config: OptimizerConfig; warm: number; ks: number[]; deadUnit?: boolean }[] = [
  { label: 'SGD', config: { name: 'sgd', lr: 0.5, momentum: 0 }, warm: 0, ks: [1, 2] },
  { label: 'Adam, live state after 3 steps', config: { name: 'adam', lr: 0.1, beta1: 0.5, beta2: 0.9 }, warm: 3, ks: [1, 2] },
  { label: 'Adam, fresh', config: { name: 'adam', lr: 0.1, beta1: 0.5, beta2: 0.999 }, warm: 0, ks: [2] },
  // √v̂ at v̂ = 0 has an infinite slope: the gradient must stay finite (and right) where D's never moved.
  { label: 'Adam, a dead ReLU unit in D', config: { name: 'adam', lr: 0.1, beta1: 0.5, beta2: 0.999 }, warm: 3, ks: [2], deadUnit: true },
  { label: 'momentum, live state', config: { name: 'sgd', lr: 0.2, momentum: 0.9 }, warm: 3, ks: [2] },
  { label: 'RMSProp, live state', config: { name: 'rmsprop', lr: 0.05, decay: 0.9 }, warm: 3, ks: [2] },
];

describe('Unrolled GAN (Metz et al. 2017)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  for (const { label, config, warm, ks, deadUnit = false } of CASES)
    for (const k of ks) {
      it(`${label}, k = ${k}: L_G and its generator gradient through the unrolled steps equal L_G and central differences after ${k} explicit steps of the optimizer from the same state`, async () => {
        const model = tinyModel(3, deadUnit);
        const data = batches(k);
        const optimizer = warmOptimizer(model, config, warm);
        const slots = await optimizerSlots(optimizer, 'd');
        const unrolled = unrolledGradient(model, data, k, optimizer);
        // The surrogate update is the optimizer's own: the same loss as k of its real steps, to float32 rounding.
        expect(unrolled.loss).toBeCloseTo(await explicitLoss(model, data, k, config, slots), 5);
        const numeric = await finiteDifferences(model, data, k, config, slots);
        const scale = Math.max(...numeric.map(Math.abs));
        // float32 on the cpu backend: central differences at h = 1e-2 agree to about 1e-4 of the gradient's scale.
        const tolerance = 1e-4 + 1e-3 * scale;
        expect(unrolled.gradient.every(Number.isFinite)).toBe(true);
        for (const [j, g] of unrolled.gradient.entries()) expect(Math.abs(g - (numeric[j] as number))).toBeLessThan(tolerance);
        // Not the first-order gradient (D's unrolled parameters held fixed): the second-order term matters here.
        const firstOrder = await firstOrderGradient(model, data, k, config, slots);
        expect(Math.max(...firstOrder.map((g, j) => Math.abs(g - (numeric[j] as number))))).toBeGreaterThan(10 * tolerance);
        // The real optimizer is only read: its slots are what they were.
        expect(await optimizerSlots(optimizer, 'd')).toEqual(slots);
        optimizer.dispose();
        tf.dispose(data.flatMap((b) => [b.real, b.z]));
      });
    }

  const sgd = { name: 'sgd', lr: 0.1, momentum: 0 } as const;
  const trainerConfig = (overrides: Partial<GanTrainerConfig>): GanTrainerConfig => ({
    objective,
    nDisc: 1,
    batchSize: N,
    optimizer: sgd,
    discriminatorOptimizer: sgd,
    ...overrides,
  });
  const realStream = (seed: number) => {
    const rng = new Rng(seed);
    return (n: number) => rng.normalTensor([n, 2], 1, 0.5);
  };
  const weights = (model: GanModel) =>
    [model.generatorParams, model.discriminatorParams].flatMap((store) => store.names().flatMap((name) => Array.from(store.get(name).dataSync())));

  it('k = 0 is bit for bit the plain trainer', () => {
    const run = (overrides: Partial<GanTrainerConfig>) => {
      const model = tinyModel(5);
      const trainer = createGanTrainer(model, trainerConfig(overrides), new Rng(1));
      const sample = realStream(2);
      const losses = Array.from({ length: 4 }, () => trainer.step(sample));
      trainer.dispose();
      return { losses, weights: weights(model) };
    };
    expect(run({ unrolledSteps: 0 })).toEqual(run({}));
    // …and k > 0 changes the generator's step, not the discriminator's.
    expect(run({ unrolledSteps: 2 }).weights).not.toEqual(run({}).weights);
  });

  it('the real D takes its normal single step; tensors do not leak across unrolled steps', () => {
    const plain = tinyModel(5);
    const unrolled = tinyModel(5);
    const a = createGanTrainer(plain, trainerConfig({}), new Rng(1));
    const b = createGanTrainer(unrolled, trainerConfig({ unrolledSteps: 3 }), new Rng(1));
    a.step(realStream(2));
    b.step(realStream(2));
    // The first discriminator step comes before any unrolling, on the same draws: the same D.
    expect(unrolled.discriminatorParams.get('W').dataSync()).toEqual(plain.discriminatorParams.get('W').dataSync());
    const sample = realStream(4);
    b.step(sample);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) b.step(sample);
    expect(tf.memory().numTensors).toBe(before);
    a.dispose();
    b.dispose();
  });

  it('validates k and the regularizers before any work, naming the field, the value and what is allowed', () => {
    expect(() => validateUnrolledSteps(-1, objective)).toThrow(/training\.unrolledSteps: -1 is not allowed; must be an integer ≥ 0/);
    expect(() => validateUnrolledSteps(1.5, objective)).toThrow(/training\.unrolledSteps: 1\.5 is not allowed/);
    expect(() => validateUnrolledSteps(0, objectiveOf('minimax', 'gradient-penalty'))).not.toThrow();
    expect(() => validateUnrolledSteps(5, objectiveOf('minimax', 'gradient-penalty'))).toThrow(
      /training\.unrolledSteps: 5 cannot be combined with regularizers\[0\] 'gradient-penalty' \(a penalty\); allowed with unrolled steps: a loss, label smoothing/,
    );
    expect(() => validateUnrolledSteps(5, objectiveOf('minimax', 'spectral'))).toThrow(/cannot be combined with normalization 'spectral'/);
    expect(() => validateUnrolledSteps(5, objectiveOf('minimax', 'label-smoothing'))).not.toThrow();
    expect(() => createGanTrainer(tinyModel(0), trainerConfig({ unrolledSteps: -2 }), new Rng(0))).toThrow(/training\.unrolledSteps: -2/);
    // An optimizer whose update is not replayed (the trainer creates only the four that are) fails on the first unrolled step.
    const adamax = tf.train.adamax(0.1);
    const settings = {
      steps: 1,
      optimizer: adamax,
      batchSize: N,
      sampleReal: () => tf.zeros([N, 2]),
      latent: () => tf.zeros([N, 2]),
      options: { training: true },
    };
    expect(() => tf.tidy(() => unrollDiscriminator(tinyModel(0), objective, settings).names())).toThrow(
      /training\.unrolledSteps: cannot unroll the discriminator's optimizer Adamax; unrolled steps replay adam, sgd, momentum or rmsprop/,
    );
    adamax.dispose();
  });
});
