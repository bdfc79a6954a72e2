import { Rng, tf } from '@ganbench/core';
import { createLoss, type GanLoss } from '@ganbench/losses';
import { type BoundRegularizer, createRegularizer, NO_REGULARIZER, type PenaltyContext, SMOOTHABLE_LOSSES } from '@ganbench/regularizers';

/**
 * The Dirac-GAN (Mescheder, Geiger, Nowozin 2018, Sec. 2): data δ₀, generator δ_θ, linear
 * discriminator D_ψ(x) = ψ·x (a logit). Gradient steps of size h on the registered losses and
 * regularizers, differentiated by tfjs autograd exactly as a real network would be.
 */
export interface DiracConfig {
  loss: string;
  lossParams: Record<string, unknown>;
  reg: string;
  regParams: Record<string, unknown>;
  /** sim: both gradients at the same point; alt: dSteps discriminator steps, then one generator step at the new ψ. */
  mode: 'sim' | 'alt';
  dSteps: number;
  lr: number;
  steps: number;
  init: [number, number];
  seed: number;
  /** Copies of each point the discriminator sees when instance noise draws a sample for each: the mean over them estimates the expected loss. */
  noiseSamples: number;
}

export interface DiracRun {
  config: DiracConfig;
  /** [θ, ψ] at steps 0..N. */
  trajectory: [number, number][];
  /** ‖(θ, ψ)‖ at the end: the distance to the equilibrium (0, 0). */
  final_distance: number;
}

export const DIRAC_DEFAULTS: DiracConfig = {
  loss: 'non-saturating',
  lossParams: {},
  reg: NO_REGULARIZER,
  regParams: {},
  mode: 'sim',
  dSteps: 1,
  lr: 0.2,
  steps: 500,
  init: [1, 1],
  seed: 0,
  noiseSamples: 4096,
};

const column = (v: number, copies = 1) => tf.fill([copies, 1], v) as tf.Tensor2D;

interface DiracGame {
  /** ∂/∂ψ of the discriminator's loss (plus penalty) at (θ, ψ). */
  discriminatorGradient(theta: number, psi: number, step: number): number;
  /** ∂/∂θ of the generator's loss at (θ, ψ). */
  generatorGradient(theta: number, psi: number): number;
  /** ψ after the discriminator's constraint, if any. */
  constrain(psi: number): number;
}

function diracGame(loss: GanLoss, regularizer: BoundRegularizer | null, rng: Rng, noiseSamples: number): DiracGame {
  const discriminatorOf = (psi: tf.Tensor) => (x: tf.Tensor) => tf.reshape(tf.matMul(x, tf.reshape(psi, [1, 1])), [-1]);
  const seen = (v: number, step: number) => (regularizer?.kind === 'input-noise' ? regularizer.perturb(column(v, noiseSamples), rng, step) : column(v));
  return {
    discriminatorGradient(theta, psi, step) {
      return tf.tidy(() => {
        const real = seen(0, step);
        const fake = seen(theta, step);
        const dLoss = (psiT: tf.Tensor) => {
          const discriminator = discriminatorOf(psiT);
          const realLogits = discriminator(real);
          const fakeLogits = discriminator(fake);
          let value =
            regularizer?.kind === 'label-smoothing' ? regularizer.discriminatorLoss(realLogits, fakeLogits) : loss.discriminatorLoss(realLogits, fakeLogits);
          if (regularizer?.kind === 'penalty') {
            const context: PenaltyContext = { discriminator, real, fake, rng, step };
            const penalty = regularizer.penalty(context);
            if (penalty !== null) value = tf.add(value, penalty) as tf.Scalar;
          }
          return value;
        };
        return tf.grad(dLoss)(tf.scalar(psi)).dataSync()[0] as number;
      });
    },
    generatorGradient(theta, psi) {
      return tf.tidy(() => {
        const discriminator = discriminatorOf(tf.scalar(psi));
        const gLoss = (thetaT: tf.Tensor) => loss.generatorLoss(discriminator(tf.reshape(thetaT, [1, 1])), discriminator(column(0)));
        return tf.grad(gLoss)(tf.scalar(theta)).dataSync()[0] as number;
      });
    },
    constrain(psi) {
      if (regularizer?.kind !== 'constraint') return psi;
      const variable = tf.variable(tf.scalar(psi));
      regularizer.apply([variable]);
      const constrained = variable.dataSync()[0] as number;
      variable.dispose();
      return constrained;
    },
  };
}

/** Checks the whole configuration before the first step; every message names the field. */
export function validateDiracConfig(config: DiracConfig): { loss: GanLoss; regularizer: BoundRegularizer | null } {
  if (config.mode !== 'sim' && config.mode !== 'alt') throw new Error(`mode: '${config.mode}' is not allowed; allowed: sim, alt`);
  if (!(config.lr > 0)) throw new Error(`lr: ${config.lr} is not allowed; must be a number > 0`);
  if (!Number.isInteger(config.steps) || config.steps < 0) throw new Error(`steps: ${config.steps} is not allowed; must be an integer ≥ 0`);
  if (!Number.isInteger(config.dSteps) || config.dSteps < 1) throw new Error(`d-steps: ${config.dSteps} is not allowed; must be an integer ≥ 1`);
  if (!Number.isInteger(config.noiseSamples) || config.noiseSamples < 1)
    throw new Error(`noise-samples: ${config.noiseSamples} is not allowed; must be an integer ≥ 1`);
  if (config.init.length !== 2 || !config.init.every(Number.isFinite))
    throw new Error(`init: ${JSON.stringify(config.init)} is not allowed; must be THETA,PSI`);
  const loss = createLoss(config.loss, config.lossParams);
  const regularizer = config.reg === NO_REGULARIZER ? null : createRegularizer(config.reg, config.regParams);
  if (regularizer?.kind === 'reparametrization') throw new Error(`reg: '${config.reg}' reparametrizes network weights; the Dirac-GAN's ψ is a single number`);
  if (regularizer?.kind === 'label-smoothing' && !(SMOOTHABLE_LOSSES as readonly string[]).includes(config.loss)) {
    throw new Error(`reg: label-smoothing needs a sigmoid cross-entropy loss (${SMOOTHABLE_LOSSES.join(', ')}), not '${config.loss}'`);
  }
  return { loss, regularizer };
}

export function runDirac(config: DiracConfig): DiracRun {
  const { loss, regularizer } = validateDiracConfig(config);
  const game = diracGame(loss, regularizer, new Rng(config.seed), config.noiseSamples);
  let [theta, psi] = config.init;
  const trajectory: [number, number][] = [[theta, psi]];
  let dStep = 0;
  for (let t = 0; t < config.steps; t++) {
    if (config.mode === 'sim') {
      const gPsi = game.discriminatorGradient(theta, psi, dStep++);
      const gTheta = game.generatorGradient(theta, psi);
      psi = game.constrain(psi - config.lr * gPsi);
      theta -= config.lr * gTheta;
    } else {
      for (let k = 0; k < config.dSteps; k++) psi = game.constrain(psi - config.lr * game.discriminatorGradient(theta, psi, dStep++));
      theta -= config.lr * game.generatorGradient(theta, psi);
    }
    trajectory.push([theta, psi]);
  }
  return { config, trajectory, final_distance: Math.hypot(theta, psi) };
}
