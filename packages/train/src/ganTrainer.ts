import type { NamedArray, ParamStore, RngState, tf, WeightOptions } from '@ganbench/core';
import { tf as ops, Rng } from '@ganbench/core';
import type { PenaltyContext } from '@ganbench/regularizers';
import type { OptimizerConfig } from '@ganbench/study-folder';
import { type Objective, sumOfTerms } from './objective.js';
import { createOptimizer, optimizerSlots, restoreOptimizerSlots } from './optimizers/optimizers.js';
import { squaredGlobalNorm } from './squaredNorm.js';
import { unrollDiscriminator, validateUnrolledSteps } from './unrolled.js';

/** Train or eval mode, the weight transform, generator steps completed, and a stream for draws inside the forward pass. */
export type ForwardOptions = WeightOptions & { training: boolean; step?: number; rng?: Rng };

/** A generator and a discriminator as pure functions of their parameters, and the parameters. */
export interface GanModel {
  generatorParams: ParamStore;
  discriminatorParams: ParamStore;
  latentDim: number;
  generate(params: ParamStore, z: tf.Tensor, options: ForwardOptions): tf.Tensor;
  /** Logits [N], high on real data. */
  discriminate(params: ParamStore, x: tf.Tensor, options: ForwardOptions): tf.Tensor;
  /** D's features [N, F] of a batch (the input of its last linear layer), for losses that read them (feature matching). */
  features?(params: ParamStore, x: tf.Tensor, options: ForwardOptions): tf.Tensor;
  /** Added to the generator's loss when present (StyleGAN2's path-length penalty); null on skipped steps. */
  generatorPenalty?(params: ParamStore, z: tf.Tensor, context: { step: number; rng: Rng }): tf.Scalar | null;
}

export interface GanTrainerConfig {
  /** The loss, regularizers and normalization compiled together (compileObjective). */
  objective: Objective;
  /** Discriminator steps per generator step (n_disc). */
  nDisc: number;
  batchSize: number;
  /** Separate optimizers and learning rates for the two players (TTUR, Heusel et al. 2017). */
  optimizer: OptimizerConfig;
  discriminatorOptimizer: OptimizerConfig;
  /** Decay of the generator's exponential moving average (Yazıcı et al. 2019); null or absent for none. */
  emaDecay?: number | null;
  /** Unrolled GAN (Metz et al. 2017): the generator's loss against D after this many surrogate steps, differentiated through; 0 or absent for none. */
  unrolledSteps?: number;
}

export interface StepLosses {
  /** Discriminator loss of the last discriminator step, without the penalty. */
  dLoss: number;
  /** The sum of the penalties added on that step; 0 when none applies. */
  penalty: number;
  gLoss: number;
  /** Mean discriminator logit on the real and on the fake batch of the last discriminator step. */
  dReal: number;
  dFake: number;
  /** Global L2 norm of each player's gradient on its last step. */
  dGradNorm: number;
  gGradNorm: number;
  /** The generator-side penalties on this step, the objective's (zCR) plus the architecture's (StyleGAN2 path length); 0 when none applies. */
  gPenalty: number;
  /** Carried and logged scalars of the methods after the last discriminator step, as `<method>.<key>` (ADA's `ada.p`). */
  carried: Record<string, number>;
}

/** Everything besides the networks' parameters that a resumed run needs to continue bit for bit. */
export interface TrainerState {
  discriminatorSteps: number;
  generatorSteps: number;
  rngs: Record<'latent' | 'regularizer' | 'generatorPenalty' | 'forward', RngState>;
  /** Optimizer slots, the EMA generator and the methods' carried scalars, as named arrays. */
  arrays: NamedArray[];
}

export interface GanTrainer {
  /** n_disc discriminator steps on fresh real batches, then one generator step. */
  step(sampleReal: (n: number) => tf.Tensor): StepLosses;
  /** The same step, reading its numbers back asynchronously (the webgpu backend has no synchronous read under Node). */
  stepAsync(sampleReal: (n: number) => tf.Tensor): Promise<StepLosses>;
  /** Samples of the generator in evaluation mode (the EMA generator when there is one); latents from `rng`, else the training stream. */
  sample(n: number, rng?: Rng): tf.Tensor;
  /** The EMA copy of the generator's parameters, or null. */
  readonly emaParams: ParamStore | null;
  state(): Promise<TrainerState>;
  restore(state: TrainerState): Promise<void>;
  dispose(): void;
}

const EMA_PREFIX = 'ema/';
const CARRIED_PREFIX = 'carried/';

/**
 * One training loop for every loss × regularizers × normalization, all through the compiled objective:
 * penalties join the discriminator's loss, constraints run after its step, a reparametrization wraps its
 * weights, input noise perturbs what it sees (on both players' steps) and label smoothing replaces its
 * loss (Kurach et al. 2019, Sec. 2).
 */
export function createGanTrainer(model: GanModel, config: GanTrainerConfig, rng: Rng): GanTrainer {
  const { objective } = config;
  const dOptimizer = createOptimizer(config.discriminatorOptimizer);
  const gOptimizer = createOptimizer(config.optimizer);
  const dVars = model.discriminatorParams.trainableVariables();
  const gVars = model.generatorParams.trainableVariables();
  const emaDecay = config.emaDecay ?? null;
  const unrolledSteps = config.unrolledSteps ?? 0;
  validateUnrolledSteps(unrolledSteps, objective);
  if (objective.needsFeatures && model.features === undefined)
    throw new Error(`loss '${objective.loss.name}' reads the discriminator's features, and this architecture exposes none`);
  const emaParams = emaDecay === null ? null : model.generatorParams.clone();
  const rngs = {
    latent: rng.fork('latent'),
    regularizer: rng.fork('regularizer'),
    generatorPenalty: rng.fork('generator-penalty'),
    forward: rng.fork('forward'),
  };
  const weightOptions = (training: boolean): WeightOptions => objective.weightOptions(model.discriminatorParams, { training, rng: rngs.regularizer });
  let dStep = 0;
  // Generator steps completed: what schedules (ProGAN's growing) and lazy generator penalties follow.
  let gStep = 0;
  // The methods' carried scalars (ADA's p, LeCam's anchors, BEGAN's k_t) live on the device between steps.
  const carried: Record<string, tf.Variable<tf.Rank.R0>> = Object.fromEntries(
    Object.entries(objective.carried).map(([key, v]) => [key, ops.variable(ops.scalar(v), false)]),
  );
  const carriedValues = carried as Record<string, tf.Scalar>;

  const seen = (x: tf.Tensor, step: number) => objective.perturb(x, rngs.regularizer, step, carriedValues);
  const latent = (n: number) => rngs.latent.normalTensor([n, model.latentDim]);
  const generateWith = (options: ForwardOptions) => (z: tf.Tensor) => model.generate(model.generatorParams, z, options);
  // A step's numbers stay on the device as scalars kept out of the tape's scopes, read once the step is done.
  const kept = (x: tf.Tensor) => ops.keep(ops.clone(x)) as tf.Scalar;
  const mean = (x: tf.Tensor) => ops.tidy(() => ops.keep(ops.mean(x)) as tf.Scalar);

  /** One optimizer step; returns the squared global L2 norm of the gradient. */
  function minimize(optimizer: tf.Optimizer, vars: tf.Variable[], objective: () => tf.Scalar): tf.Scalar {
    const { value, grads } = ops.variableGrads(objective, vars);
    const gradients = Object.values(grads);
    // One kernel on cpu and wasm, the bits of addN of each gradient's sum of squares.
    const squaredNorm = squaredGlobalNorm(gradients);
    optimizer.applyGradients(grads);
    ops.dispose([value, ...gradients]);
    return squaredNorm;
  }

  function discriminatorStep(realBatch: tf.Tensor) {
    const step = dStep++;
    const z = latent(config.batchSize);
    const fake = ops.tidy(() => model.generate(model.generatorParams, z, { training: true, step: gStep, rng: rngs.forward }));
    let dLoss: tf.Scalar | null = null;
    let penaltyValue: tf.Scalar | null = null;
    let dReal: tf.Scalar | null = null;
    let dFake: tf.Scalar | null = null;
    let observed: Record<string, tf.Scalar> = {};
    const dGradNorm = minimize(dOptimizer, dVars, () => {
      const options = { ...weightOptions(true), training: true, step: gStep, rng: rngs.forward };
      const discriminator = (x: tf.Tensor) => model.discriminate(model.discriminatorParams, x, options);
      const real = seen(realBatch, step);
      const shownFake = seen(fake, step);
      const realLogits = discriminator(real);
      const fakeLogits = discriminator(shownFake);
      dReal = mean(realLogits);
      dFake = mean(fakeLogits);
      const features = model.features === undefined ? undefined : (x: tf.Tensor) => model.features?.(model.discriminatorParams, x, options) as tf.Tensor;
      const base = objective.discriminatorLoss(realLogits, fakeLogits, { real, fake: shownFake, state: carriedValues, ...(features && { features }) });
      dLoss = kept(base);
      // zCR draws G on perturbed latents: G's output is no variable of D's step, so no gradient reaches G from it.
      const generator = objective.needsGenerator
        ? { generate: generateWith({ training: true, step: gStep, rng: rngs.forward }), latents: z, generated: fake }
        : undefined;
      const context: PenaltyContext = {
        discriminator,
        real,
        fake: shownFake,
        rng: rngs.regularizer,
        step,
        realLogits,
        fakeLogits,
        state: carriedValues,
        ...(generator && { generator }),
      };
      const penalty = objective.penalty(context);
      if (Object.keys(carried).length > 0) {
        // Not part of the returned loss, so no gradient reaches D through them.
        const next = objective.updateCarried(carriedValues, { realLogits, fakeLogits, step });
        observed = Object.fromEntries(Object.entries(next).map(([key, t]) => [key, kept(t)]));
      }
      if (penalty === null) return base;
      penaltyValue = kept(penalty);
      return ops.add(base, penalty) as tf.Scalar;
    });
    ops.dispose([z, fake]);
    objective.constrain(dVars);
    // After the step, so its penalty and loss saw the values they started with.
    for (const [key, variable] of Object.entries(carried)) variable.assign(observed[key] as tf.Scalar);
    return { dLoss, penalty: penaltyValue, dReal, dFake, dGradNorm, observed };
  }

  type StepTensors = Record<Exclude<keyof StepLosses, 'carried'>, tf.Scalar | null> & { carried: Record<string, tf.Scalar> };

  function disposeStep({ observed, ...scalars }: ReturnType<typeof discriminatorStep>): void {
    ops.dispose([...Object.values(observed), ...Object.values(scalars).filter((t): t is tf.Scalar => t !== null)]);
  }

  /** The step itself; its numbers as scalars (null: 0) for `step` and `stepAsync` to read and dispose. */
  function stepTensors(sampleReal: (n: number) => tf.Tensor): StepTensors {
    let last: ReturnType<typeof discriminatorStep> | null = null;
    for (let k = 0; k < config.nDisc; k++) {
      const real = sampleReal(config.batchSize);
      if (last !== null) disposeStep(last);
      last = discriminatorStep(real);
      real.dispose();
    }
    let gLoss: tf.Scalar | null = null;
    let gPenalty: tf.Scalar | null = null;
    const gGradNorm = minimize(gOptimizer, gVars, () => {
      const z = latent(config.batchSize);
      const generate = generateWith({ training: true, step: gStep, rng: rngs.forward });
      const fake = generate(z);
      const real = sampleReal(config.batchSize);
      const options = { ...weightOptions(false), training: true, step: gStep, rng: rngs.forward };
      const dParams =
        unrolledSteps === 0
          ? model.discriminatorParams
          : unrollDiscriminator(model, objective, {
              steps: unrolledSteps,
              optimizer: dOptimizer,
              batchSize: config.batchSize,
              sampleReal,
              latent,
              options,
            });
      const shownFake = seen(fake, dStep);
      const shownReal = seen(real, dStep);
      const discriminator = (x: tf.Tensor) => model.discriminate(dParams, x, options);
      const features = model.features === undefined ? undefined : (x: tf.Tensor) => model.features?.(dParams, x, options) as tf.Tensor;
      const context = { real: shownReal, fake: shownFake, state: carriedValues, ...(features && { features }) };
      const value = objective.generatorLoss(discriminator(shownFake), discriminator(shownReal), context);
      gLoss = kept(value);
      const penalty = sumOfTerms(
        [
          objective.generatorPenalty({ generate, latents: z, generated: fake, discriminator, rng: rngs.regularizer, step: gStep }),
          model.generatorPenalty?.(model.generatorParams, latent(config.batchSize), { step: gStep, rng: rngs.generatorPenalty }) ?? null,
        ].filter((t): t is tf.Scalar => t !== null),
      );
      if (penalty === null) return value;
      gPenalty = kept(penalty);
      return ops.add(value, penalty) as tf.Scalar;
    });
    gStep++;
    updateEma();
    const { observed, ...d } = last ?? { dLoss: null, penalty: null, dReal: null, dFake: null, dGradNorm: null, observed: {} };
    return { ...d, gLoss, gGradNorm, gPenalty, carried: observed };
  }

  /** The step's scalars, the carried ones last, and the one tensor they are read from (null when none). */
  function packed({ carried, ...tensors }: StepTensors): { present: tf.Scalar[]; stacked: tf.Tensor1D | null } {
    const present = [...Object.values(tensors), ...Object.values(carried)].filter((t): t is tf.Scalar => t !== null);
    return { present, stacked: present.length === 0 ? null : (ops.stack(present) as tf.Tensor1D) };
  }

  /** Numbers from the step's scalars, read in one download (gradient norms from their squares), disposing them. */
  function stepLosses(tensors: StepTensors, present: tf.Scalar[], read: ArrayLike<number>): StepLosses {
    const values = new Map<tf.Scalar, number>(present.map((t, i) => [t, read[i] as number]));
    const at = (t: tf.Scalar | null) => (t === null ? 0 : (values.get(t) as number));
    ops.dispose(present);
    return {
      dLoss: at(tensors.dLoss),
      penalty: at(tensors.penalty),
      gLoss: at(tensors.gLoss),
      dReal: at(tensors.dReal),
      dFake: at(tensors.dFake),
      dGradNorm: Math.sqrt(at(tensors.dGradNorm)),
      gGradNorm: Math.sqrt(at(tensors.gGradNorm)),
      gPenalty: at(tensors.gPenalty),
      carried: Object.fromEntries(Object.entries(tensors.carried).map(([key, t]) => [key, at(t)])),
    };
  }

  /** θ_EMA ← β·θ_EMA + (1 − β)·θ for trained weights; carried state (batch-norm statistics) is copied. */
  function updateEma(): void {
    if (emaParams === null || emaDecay === null) return;
    ops.tidy(() => {
      for (const name of model.generatorParams.names()) {
        const live = model.generatorParams.get(name);
        const average = emaParams.get(name);
        average.assign(live.trainable ? ops.add(ops.mul(average, emaDecay), ops.mul(live, 1 - emaDecay)) : live);
      }
    });
  }

  return {
    emaParams,
    step(sampleReal) {
      const tensors = stepTensors(sampleReal);
      const { present, stacked } = packed(tensors);
      const read = stacked === null ? [] : stacked.dataSync();
      stacked?.dispose();
      return stepLosses(tensors, present, read);
    },
    async stepAsync(sampleReal) {
      const tensors = stepTensors(sampleReal);
      const { present, stacked } = packed(tensors);
      const read = stacked === null ? [] : await stacked.data();
      stacked?.dispose();
      return stepLosses(tensors, present, read);
    },
    sample(n, rng) {
      return ops.tidy(() =>
        model.generate(emaParams ?? model.generatorParams, rng === undefined ? latent(n) : rng.normalTensor([n, model.latentDim]), {
          training: false,
          step: gStep,
          rng: rng ?? rngs.forward,
        }),
      );
    },
    async state() {
      const ema = emaParams === null ? [] : (await emaParams.values()).map((a) => ({ ...a, name: EMA_PREFIX + a.name }));
      return {
        discriminatorSteps: dStep,
        generatorSteps: gStep,
        rngs: Object.fromEntries(Object.entries(rngs).map(([name, stream]) => [name, stream.state()])) as TrainerState['rngs'],
        arrays: [
          ...(await optimizerSlots(dOptimizer, 'optimizer/d')),
          ...(await optimizerSlots(gOptimizer, 'optimizer/g')),
          ...ema,
          ...(await Promise.all(
            Object.entries(carried).map(async ([key, v]) => ({
              name: CARRIED_PREFIX + key,
              shape: [],
              data: (await v.data()) as Float32Array,
              trainable: false,
            })),
          )),
        ],
      };
    },
    async restore(state) {
      dStep = state.discriminatorSteps;
      gStep = state.generatorSteps;
      for (const name of Object.keys(rngs) as (keyof typeof rngs)[]) rngs[name] = new Rng(state.rngs[name]);
      await restoreOptimizerSlots(dOptimizer, 'optimizer/d', state.arrays);
      await restoreOptimizerSlots(gOptimizer, 'optimizer/g', state.arrays);
      for (const [key, variable] of Object.entries(carried)) {
        const saved = state.arrays.find((a) => a.name === CARRIED_PREFIX + key);
        if (saved === undefined) throw new Error(`checkpoint: no carried value '${key}'; it was written by a run of another objective`);
        const value = ops.scalar(saved.data[0] as number, 'float32');
        variable.assign(value);
        value.dispose();
      }
      if (emaParams === null) return;
      for (const a of state.arrays) {
        if (!a.name.startsWith(EMA_PREFIX)) continue;
        const values = ops.tensor(a.data, a.shape, 'float32');
        emaParams.get(a.name.slice(EMA_PREFIX.length)).assign(values);
        values.dispose();
      }
    },
    dispose() {
      dOptimizer.dispose();
      gOptimizer.dispose();
      emaParams?.dispose();
      ops.dispose(Object.values(carried));
    },
  };
}
