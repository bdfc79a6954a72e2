import { checkArchitecture, getArchitecture, resolveArchitectureOptions } from '@ganbench/architectures';
import { Rng, type tf } from '@ganbench/core';
import { getMixture, sampleMixture, sampleMixturePoints } from '@ganbench/data';
import { frechetDistanceOfSamples, mixtureCoverage } from '@ganbench/metrics';
import { type NamedParams, NO_NORMALIZATION } from '@ganbench/study-folder';
import { compileObjective, createGanTrainer, validateUnrolledSteps } from '@ganbench/train';

/** A GAN on a 2-D Gaussian mixture (the mode-collapse test of Metz et al. 2017), any loss × regularizer. */
export interface MixtureConfig {
  dataset: string;
  loss: NamedParams;
  /** Registered regularizers (empty for none), compiled with the loss into one objective. */
  regularizers: NamedParams[];
  /** The discriminator's normalization: none or spectral (the mlp takes those). */
  normalization: NamedParams;
  /** Generator steps. */
  steps: number;
  /** Discriminator steps per generator step. */
  nDisc: number;
  /** Unrolled GAN (Metz et al. 2017): D steps unrolled in the generator's loss; 0 for the plain generator step. */
  unrolledSteps: number;
  batchSize: number;
  /** Adam for both players, β₁ = 0.5 as Metz et al. 2017; their 1e-4 needs many more steps than a toy run should take. */
  lr: number;
  beta1: number;
  beta2: number;
  /** Options of the `mlp` architecture (gWidth, gLayers, dWidth, dLayers, activation, …; see `ganbench list architectures`); unset ones take their defaults. */
  architecture: Record<string, unknown>;
  /** Snapshots spread evenly over training, the last at the final step. */
  snapshots: number;
  /** Generator samples drawn for each snapshot's metrics and scatter. */
  evalSamples: number;
  seed: number;
}

export const MIXTURE_DEFAULTS: MixtureConfig = {
  dataset: 'ring',
  loss: { name: 'minimax', params: {} },
  regularizers: [],
  normalization: NO_NORMALIZATION,
  steps: 1500,
  nDisc: 1,
  unrolledSteps: 0,
  batchSize: 256,
  lr: 5e-4,
  beta1: 0.5,
  beta2: 0.999,
  architecture: {},
  snapshots: 5,
  evalSamples: 2500,
  seed: 0,
};

export interface MixtureSnapshot {
  step: number;
  fake: [number, number][];
  modes_covered: number;
  /** Fraction of samples within 3σ of some mode. */
  high_quality: number;
  /** 2-D Fréchet distance between generated and real samples. */
  frechet: number;
  /** High-quality samples at each mode. */
  mode_counts: number[];
  d_loss: number;
  g_loss: number;
}

export interface MixtureRun {
  config: MixtureConfig;
  modes: [number, number][];
  real: [number, number][];
  snapshots: MixtureSnapshot[];
}

const positiveInteger = (field: string, value: number) => {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${field}: ${value} is not allowed; must be an integer ≥ 1`);
};

/** Every field checked before training starts; messages name the field, the value and what is allowed. */
export function validateMixtureConfig(config: MixtureConfig) {
  const mixture = getMixture(config.dataset);
  for (const field of ['steps', 'nDisc', 'batchSize', 'snapshots', 'evalSamples'] as const) positiveInteger(field, config[field]);
  if (config.snapshots > config.steps) throw new Error(`snapshots: ${config.snapshots} is not allowed; must be ≤ steps (${config.steps})`);
  if (!(config.lr > 0)) throw new Error(`lr: ${config.lr} is not allowed; must be a number > 0`);
  for (const field of ['beta1', 'beta2'] as const)
    if (!(config[field] >= 0 && config[field] < 1)) throw new Error(`${field}: ${config[field]} is not allowed; must be in [0, 1)`);
  const objective = compileObjective(config, { description: `dataset '${config.dataset}' (2-D points)`, images: false });
  validateUnrolledSteps(config.unrolledSteps, objective, 'unrolledSteps');
  // The toy trains the mlp, whose −logit is unbounded below: BEGAN's D loss would run to −∞.
  if (objective.needsEnergy)
    throw new Error(
      `loss: '${objective.loss.name}' reads −logit as an autoencoder's energy; the mixture toy trains the mlp, which has none (use a study with architecture: autoencoder)`,
    );
  const architecture = resolveArchitectureOptions('mlp', config.architecture);
  checkArchitecture('mlp', architecture, { dataShape: [2], normalization: config.normalization.name });
  return { mixture, objective, architecture };
}

const pairs = (flat: ArrayLike<number>): [number, number][] =>
  Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i] as number, flat[2 * i + 1] as number]);

export function runMixture(config: MixtureConfig, onSnapshot?: (snapshot: MixtureSnapshot) => void): MixtureRun {
  const { mixture, objective, architecture } = validateMixtureConfig(config);
  const rng = new Rng(config.seed);
  // The architecture registry's mlp, so the toy trains exactly what a study's `mlp` trains.
  const model = getArchitecture('mlp').build(architecture, { dataShape: [2], normalization: config.normalization.name }, rng);
  const adam = { name: 'adam', lr: config.lr, beta1: config.beta1, beta2: config.beta2 } as const;
  const trainer = createGanTrainer(
    model,
    { objective, nDisc: config.nDisc, unrolledSteps: config.unrolledSteps, batchSize: config.batchSize, optimizer: adam, discriminatorOptimizer: adam },
    rng.fork('train'),
  );
  const dataRng = rng.fork('data');
  const realSamples = sampleMixturePoints(mixture, config.evalSamples, rng.fork('evaluation'));
  const realBatch = (n: number): tf.Tensor => sampleMixture(mixture, n, dataRng);
  const snapshotSteps = new Set(Array.from({ length: config.snapshots }, (_, i) => Math.round(((i + 1) * config.steps) / config.snapshots)));
  const snapshots: MixtureSnapshot[] = [];
  try {
    for (let step = 1; step <= config.steps; step++) {
      const losses = trainer.step(realBatch);
      if (!snapshotSteps.has(step)) continue;
      const samples = trainer.sample(config.evalSamples);
      const flat = samples.dataSync();
      samples.dispose();
      const coverage = mixtureCoverage(flat, mixture);
      const snapshot: MixtureSnapshot = {
        step,
        fake: pairs(flat),
        modes_covered: coverage.modesCovered,
        high_quality: coverage.highQualityFraction,
        frechet: frechetDistanceOfSamples({ data: flat, dim: 2 }, { data: realSamples, dim: 2 }),
        mode_counts: coverage.counts,
        d_loss: losses.dLoss + losses.penalty,
        g_loss: losses.gLoss,
      };
      snapshots.push(snapshot);
      onSnapshot?.(snapshot);
    }
  } finally {
    trainer.dispose();
    model.generatorParams.dispose();
    model.discriminatorParams.dispose();
  }
  return { config, modes: mixture.modes.map(([x, y]) => [x, y]), real: pairs(realSamples), snapshots };
}
