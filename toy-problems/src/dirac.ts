import { Rng, tf } from '@ganbench/core';
import type { GanLoss } from '@ganbench/losses';
import { type BoundRegularizer, NO_REGULARIZER, type PenaltyContext, penaltyContext } from '@ganbench/regularizers';
import { formatIssues, type NamedParams, namedSettingSchema, strictObject, uint32Schema } from '@ganbench/study-folder';
import { compileObjective, type Objective } from '@ganbench/train';
import { z } from 'zod';
import { consensusField } from './consensus.js';

/**
 * The Dirac-GAN (Mescheder, Geiger, Nowozin 2018, Sec. 2): data δ₀, generator δ_θ, linear
 * discriminator D_ψ(x) = ψ·x (a logit). Gradient steps of size h on the registered losses and
 * regularizers, differentiated by tfjs autograd exactly as a real network would be.
 */
export const DIRAC_OPTIMIZERS = ['gd', 'consensus'] as const;
export type DiracOptimizer = (typeof DIRAC_OPTIMIZERS)[number];

export const diracConfigSchema = strictObject({
  loss: namedSettingSchema('loss'),
  /** One regularizer (`none` for none): read as a one-element list. */
  regularizer: namedSettingSchema('regularizer').optional(),
  /** Registered regularizers, compiled with the loss into one objective (penalties summed, constraints in order). */
  regularizers: z.array(namedSettingSchema('regularizer')).optional(),
  /** gd: plain gradient steps; consensus: both players also descend γ/2‖v‖² (Mescheder et al. 2017). */
  optimizer: z.enum(DIRAC_OPTIMIZERS),
  /** γ of consensus optimization; unused by gd. */
  consensusGamma: z.number().min(0),
  /** sim: both gradients at the same point; alt: nDisc discriminator steps, then one generator step at the new ψ. */
  mode: z.enum(['sim', 'alt']),
  nDisc: z.int().min(1),
  lr: z.number().positive(),
  steps: z.int().min(0),
  /** (θ, ψ) at step 0. */
  init: z.tuple([z.number(), z.number()]),
  seed: uint32Schema,
  /** Noise draws per point when instance noise is on, used in antithetic pairs (ε, −ε): the mean estimates the expected loss. */
  noiseSamples: z
    .int()
    .min(2)
    .refine((n) => n % 2 === 0, { error: 'must be even (antithetic pairs)' }),
});
export type DiracConfig = z.output<typeof diracConfigSchema>;

export interface DiracRun {
  config: DiracConfig;
  /** [θ, ψ] at steps 0..N. */
  trajectory: [number, number][];
  /** ‖(θ, ψ)‖ at the end: the distance to the equilibrium (0, 0). */
  final_distance: number;
}

export const DIRAC_DEFAULTS: DiracConfig = {
  loss: { name: 'non-saturating', params: {} },
  regularizers: [],
  optimizer: 'gd',
  consensusGamma: 1,
  mode: 'sim',
  nDisc: 1,
  lr: 0.2,
  steps: 500,
  init: [1, 1],
  seed: 0,
  noiseSamples: 256,
};

/**
 * What each player descends at (θ, ψ), as differentiable scalars so that consensus
 * optimization and the Jacobian can take derivatives of it: θ ← θ − h·theta(θ, ψ), ψ ← ψ − h·psi(θ, ψ).
 */
export interface DiracField {
  /** ∂/∂θ of the generator's loss. */
  theta(theta: tf.Tensor, psi: tf.Tensor, step: number): tf.Tensor;
  /** ∂/∂ψ of the discriminator's loss plus its penalty. */
  psi(theta: tf.Tensor, psi: tf.Tensor, step: number): tf.Tensor;
}

/** The resolved pieces of a configuration: what runs and what the closed forms read. */
export interface DiracGame {
  loss: GanLoss;
  /** The loss and regularizers compiled together: what the field differentiates. */
  objective: Objective;
  regularizers: readonly BoundRegularizer[];
  field: DiracField;
  /** ψ after the discriminator's constraint, if any. */
  constrain(psi: number): number;
}

/** The regularizers a configuration names: `regularizers`, or the single `regularizer` as a one-element list (none: empty); not both. */
export function diracRegularizers(config: Pick<DiracConfig, 'regularizer' | 'regularizers'>): NamedParams[] {
  const single = config.regularizer;
  if (single !== undefined && (config.regularizers?.length ?? 0) > 0)
    throw new Error('regularizer and regularizers: give one of them (regularizer is a one-element regularizers)');
  if (single !== undefined) return single.name === NO_REGULARIZER ? [] : [single];
  return config.regularizers ?? [];
}

/** `none`, or the regularizers' names joined by '+'. */
export const diracRegularizersLabel = (config: Pick<DiracConfig, 'regularizer' | 'regularizers'>) => {
  const list = diracRegularizers(config);
  return list.length === 0 ? NO_REGULARIZER : list.map((r) => r.name).join('+');
};

const point = (v: tf.Tensor) => tf.reshape(v, [1, 1]);
const discriminatorOf = (psi: tf.Tensor) => (x: tf.Tensor) => tf.reshape(tf.matMul(x, tf.reshape(psi, [1, 1])), [-1]);

/** The gradient field of the game itself, through the compiled objective. */
function gameField(objective: Objective, rng: Rng, noiseSamples: number): DiracField {
  // Antithetic pairs cancel the noise's odd moments exactly, so the mean over few draws is close to the expectation.
  const seen = (x: tf.Tensor, step: number) => {
    if (!objective.perturbsInputs) return x;
    const noise = objective.perturb(tf.zeros([noiseSamples / 2, 1]), rng, step);
    return tf.add(x, tf.concat([noise, tf.neg(noise)]));
  };
  const discriminatorLoss = (theta: tf.Tensor, psi: tf.Tensor, step: number) => {
    const real = seen(point(tf.scalar(0)), step);
    const fake = seen(point(theta), step);
    const discriminator = discriminatorOf(psi);
    const realLogits = discriminator(real);
    const fakeLogits = discriminator(fake);
    const value = objective.discriminatorLoss(realLogits, fakeLogits, { real, fake, state: {} });
    const context: PenaltyContext = penaltyContext({ discriminator, real, fake, rng, step });
    const penalty = objective.penalty(context);
    return penalty === null ? value : tf.add(value, penalty);
  };
  return {
    theta: (theta, psi) => {
      const discriminator = discriminatorOf(psi);
      const real = point(tf.scalar(0));
      return tf.grad((t: tf.Tensor) => objective.generatorLoss(discriminator(point(t)), discriminator(real), { real, fake: point(t), state: {} }))(
        theta,
      ) as tf.Tensor;
    },
    psi: (theta, psi, step) => tf.grad((p: tf.Tensor) => discriminatorLoss(theta, p, step))(psi) as tf.Tensor,
  };
}

/** Checks the whole configuration before the first step; every message names the field. */
export function diracGame(config: DiracConfig): DiracGame {
  const checked = diracConfigSchema.safeParse(config, { reportInput: true });
  if (!checked.success) throw new Error(formatIssues(checked.error).join('; '));
  const objective = compileObjective(
    { loss: config.loss, regularizers: diracRegularizers(config) },
    { description: 'the Dirac-GAN (1-D points)', images: false },
  );
  const reparametrizing = objective.regularizers.find((r) => r.kind === 'reparametrization');
  if (reparametrizing !== undefined)
    throw new Error(`regularizers: '${reparametrizing.name}' reparametrizes network weights; the Dirac-GAN's ψ is a single number`);
  // Its field is a function of (θ, ψ) alone; state carried across steps (ADA's p, BEGAN's k_t) would make it another game.
  const carrying = Object.keys(objective.carried)[0];
  if (carrying !== undefined)
    throw new Error(`'${carrying.split('.')[0]}' carries state across steps (${carrying}); the Dirac-GAN's vector field is a function of (θ, ψ) alone`);
  if (objective.needsFeatures) throw new Error(`loss: '${objective.loss.name}' reads the discriminator's features; the Dirac-GAN's D(x) = ψ·x has none`);
  const latentUser = objective.regularizers.find((r) => r.kind === 'penalty' && r.needsGenerator === true);
  if (latentUser !== undefined)
    throw new Error(`regularizers: '${latentUser.name}' perturbs the generator's latents; the Dirac-GAN's generator is the point θ, with none`);
  const plain = gameField(objective, new Rng(config.seed), config.noiseSamples);
  const constrained = objective.regularizers.some((r) => r.kind === 'constraint');
  return {
    loss: objective.loss,
    objective,
    regularizers: objective.regularizers,
    field: config.optimizer === 'consensus' ? consensusField(plain, config.consensusGamma) : plain,
    constrain(psi) {
      if (!constrained) return psi;
      const variable = tf.variable(tf.scalar(psi));
      objective.constrain([variable]);
      const clipped = variable.dataSync()[0] as number;
      variable.dispose();
      return clipped;
    },
  };
}

const evaluate = (component: DiracField['theta'], theta: number, psi: number, step: number) =>
  tf.tidy(() => component(tf.scalar(theta), tf.scalar(psi), step).dataSync()[0] as number);

export function runDirac(config: DiracConfig): DiracRun {
  const { field, constrain } = diracGame(config);
  let [theta, psi] = config.init;
  const trajectory: [number, number][] = [[theta, psi]];
  let dStep = 0;
  for (let t = 0; t < config.steps; t++) {
    if (config.mode === 'sim') {
      const step = dStep++;
      const gPsi = evaluate(field.psi, theta, psi, step);
      const gTheta = evaluate(field.theta, theta, psi, step);
      psi = constrain(psi - config.lr * gPsi);
      theta -= config.lr * gTheta;
    } else {
      for (let k = 0; k < config.nDisc; k++) psi = constrain(psi - config.lr * evaluate(field.psi, theta, psi, dStep++));
      theta -= config.lr * evaluate(field.theta, theta, psi, dStep);
    }
    trajectory.push([theta, psi]);
  }
  return { config, trajectory, final_distance: Math.hypot(theta, psi) };
}

/**
 * `runDirac` with every number read back asynchronously: the webgpu backend has no synchronous read under Node.
 * The same steps in the same order, so on one backend both give the same trajectory.
 */
export async function runDiracAsync(config: DiracConfig): Promise<DiracRun> {
  const { field, objective } = diracGame(config);
  const constrained = objective.regularizers.some((r) => r.kind === 'constraint');
  const read = async (value: tf.Tensor): Promise<number> => {
    const result = (await value.data())[0] as number;
    value.dispose();
    return result;
  };
  const evaluateAsync = (component: DiracField['theta'], theta: number, psi: number, step: number) =>
    read(tf.tidy(() => component(tf.scalar(theta), tf.scalar(psi), step)));
  const constrain = async (psi: number): Promise<number> => {
    if (!constrained) return psi;
    const variable = tf.variable(tf.scalar(psi));
    objective.constrain([variable]);
    return read(variable);
  };
  let [theta, psi] = config.init;
  const trajectory: [number, number][] = [[theta, psi]];
  let dStep = 0;
  for (let t = 0; t < config.steps; t++) {
    if (config.mode === 'sim') {
      const step = dStep++;
      const gPsi = await evaluateAsync(field.psi, theta, psi, step);
      const gTheta = await evaluateAsync(field.theta, theta, psi, step);
      psi = await constrain(psi - config.lr * gPsi);
      theta -= config.lr * gTheta;
    } else {
      for (let k = 0; k < config.nDisc; k++) psi = await constrain(psi - config.lr * (await evaluateAsync(field.psi, theta, psi, dStep++)));
      theta -= config.lr * (await evaluateAsync(field.theta, theta, psi, dStep));
    }
    trajectory.push([theta, psi]);
  }
  return { config, trajectory, final_distance: Math.hypot(theta, psi) };
}

export interface FieldArrow {
  x: number;
  y: number;
  u: number;
  v: number;
}

/** (θ̇, ψ̇) = −field on an n×n grid over [lo, hi]²: the continuous dynamics that the steps discretize. */
export function diracVectorField(config: DiracConfig, lo = -2, hi = 2, n = 13): FieldArrow[] {
  const { field } = diracGame(config);
  const arrows: FieldArrow[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const x = lo + ((hi - lo) * i) / (n - 1);
      const y = lo + ((hi - lo) * j) / (n - 1);
      arrows.push({ x, y, u: -evaluate(field.theta, x, y, 0), v: -evaluate(field.psi, x, y, 0) });
    }
  }
  return arrows;
}
