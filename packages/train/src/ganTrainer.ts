import type { ParamStore, Rng, tf, WeightOptions } from '@ganbench/core';
import { tf as ops } from '@ganbench/core';
import type { GanLoss } from '@ganbench/losses';
import type { BoundRegularizer, PenaltyContext } from '@ganbench/regularizers';

/** A generator and a discriminator as pure functions of their parameters, and the parameters. */
export interface GanModel {
  generatorParams: ParamStore;
  discriminatorParams: ParamStore;
  latentDim: number;
  generate(params: ParamStore, z: tf.Tensor, options: WeightOptions & { training: boolean }): tf.Tensor;
  /** Logits [N], high on real data. */
  discriminate(params: ParamStore, x: tf.Tensor, options: WeightOptions & { training: boolean }): tf.Tensor;
}

export interface AdamSettings {
  lr: number;
  beta1: number;
  beta2: number;
}

export interface GanTrainerConfig {
  loss: GanLoss;
  regularizer: BoundRegularizer | null;
  /** Discriminator steps per generator step (n_disc). */
  dSteps: number;
  batchSize: number;
  generatorOptimizer: AdamSettings;
  discriminatorOptimizer: AdamSettings;
}

export interface StepLosses {
  /** Discriminator loss of the last discriminator step, without the penalty. */
  dLoss: number;
  /** The penalty added on that step; 0 when none applies. */
  penalty: number;
  gLoss: number;
}

export interface GanTrainer {
  /** n_disc discriminator steps on fresh real batches, then one generator step. */
  step(sampleReal: (n: number) => tf.Tensor): StepLosses;
  /** Samples of the current generator, evaluation mode. */
  sample(n: number): tf.Tensor;
  dispose(): void;
}

/**
 * One training loop for every loss × regularizer: penalties join the discriminator's loss,
 * constraints run after its step, reparametrizations wrap its weights, input noise perturbs what it
 * sees (on both players' steps) and label smoothing replaces its loss (Kurach et al. 2019, Sec. 2).
 */
export function createGanTrainer(model: GanModel, config: GanTrainerConfig, rng: Rng): GanTrainer {
  const { loss, regularizer } = config;
  const adam = (s: AdamSettings) => ops.train.adam(s.lr, s.beta1, s.beta2);
  const dOptimizer = adam(config.discriminatorOptimizer);
  const gOptimizer = adam(config.generatorOptimizer);
  const dVars = model.discriminatorParams.trainableVariables();
  const gVars = model.generatorParams.trainableVariables();
  const noiseRng = rng.fork('latent');
  const regularizerRng = rng.fork('regularizer');
  const weightOptions = (training: boolean): WeightOptions =>
    regularizer?.kind === 'reparametrization'
      ? { weightTransform: regularizer.weightTransform(model.discriminatorParams, { training, rng: regularizerRng }) }
      : {};
  let dStep = 0;

  const seen = (x: tf.Tensor, step: number) => (regularizer?.kind === 'input-noise' ? regularizer.perturb(x, regularizerRng, step) : x);
  const latent = (n: number) => noiseRng.normalTensor([n, model.latentDim]);

  function minimize(optimizer: tf.Optimizer, vars: tf.Variable[], objective: () => tf.Scalar): void {
    const { value, grads } = ops.variableGrads(objective, vars);
    optimizer.applyGradients(grads);
    ops.dispose([value, ...Object.values(grads)]);
  }

  function discriminatorStep(realBatch: tf.Tensor): { dLoss: number; penalty: number } {
    const step = dStep++;
    const fake = ops.tidy(() => model.generate(model.generatorParams, latent(config.batchSize), { training: true }));
    let dLoss = 0;
    let penaltyValue = 0;
    minimize(dOptimizer, dVars, () => {
      const options = { ...weightOptions(true), training: true };
      const discriminator = (x: tf.Tensor) => model.discriminate(model.discriminatorParams, x, options);
      const real = seen(realBatch, step);
      const shownFake = seen(fake, step);
      const realLogits = discriminator(real);
      const fakeLogits = discriminator(shownFake);
      const base =
        regularizer?.kind === 'label-smoothing' ? regularizer.discriminatorLoss(realLogits, fakeLogits) : loss.discriminatorLoss(realLogits, fakeLogits);
      dLoss = base.dataSync()[0] as number;
      if (regularizer?.kind !== 'penalty') return base;
      const context: PenaltyContext = { discriminator, real, fake: shownFake, rng: regularizerRng, step };
      const penalty = regularizer.penalty(context);
      if (penalty === null) return base;
      penaltyValue = penalty.dataSync()[0] as number;
      return ops.add(base, penalty) as tf.Scalar;
    });
    fake.dispose();
    if (regularizer?.kind === 'constraint') regularizer.apply(dVars);
    return { dLoss, penalty: penaltyValue };
  }

  return {
    step(sampleReal) {
      let last = { dLoss: 0, penalty: 0 };
      for (let k = 0; k < config.dSteps; k++) {
        const real = sampleReal(config.batchSize);
        last = discriminatorStep(real);
        real.dispose();
      }
      let gLoss = 0;
      minimize(gOptimizer, gVars, () => {
        const fake = model.generate(model.generatorParams, latent(config.batchSize), { training: true });
        const real = sampleReal(config.batchSize);
        const options = { ...weightOptions(false), training: true };
        const discriminator = (x: tf.Tensor) => model.discriminate(model.discriminatorParams, seen(x, dStep), options);
        const value = loss.generatorLoss(discriminator(fake), discriminator(real));
        gLoss = value.dataSync()[0] as number;
        return value;
      });
      return { ...last, gLoss };
    },
    sample(n) {
      return ops.tidy(() => model.generate(model.generatorParams, latent(n), { training: false }));
    },
    dispose() {
      dOptimizer.dispose();
      gOptimizer.dispose();
    },
  };
}
