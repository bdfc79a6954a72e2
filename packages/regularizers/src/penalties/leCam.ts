import { type CarriedState, type CarriedValues, stopGradient, tf } from '@ganbench/core';
import type { PenaltyContext, RegularizerDefinition } from '../types.js';

/** Tseng et al. 2021's decay for the moving averages α_R, α_F of D's outputs (0.99 in the paper and both released codes). */
export const LECAM_DECAY = 0.99;
/** λ of the authors' BigGAN CIFAR scripts (`--LC 0.3`). */
export const LECAM_LAMBDA = 0.3;

/** α_R, α_F: the moving averages of D's outputs on real and on generated data (numbers, or scalars on the device). */
export interface LeCamAnchors {
  real: tf.Scalar | number;
  fake: tf.Scalar | number;
}

/**
 * LeCam regularization (Tseng et al. 2021, Eq. 3): R_LC = E_x[(D(x) − α_F)²] + E_z[(D(G(z)) − α_R)²],
 * real outputs pulled to the fake anchor and fake outputs to the real one (the anchors are constants).
 * `hinged` is the authors' released code instead: E relu(D(x) − α_F)² + E relu(α_R − D(G(z)))².
 */
export function leCamPenalty(real: tf.Tensor, fake: tf.Tensor, anchors: LeCamAnchors, hinged = false): tf.Scalar {
  return tf.tidy(() => {
    const realGap = tf.sub(real, anchors.fake);
    const fakeGap = tf.sub(anchors.real, fake);
    const shape = (gap: tf.Tensor) => (hinged ? tf.relu(gap) : gap);
    return tf.add(tf.mean(tf.square(shape(realGap))), tf.mean(tf.square(shape(fakeGap)))) as tf.Scalar;
  });
}

export interface LeCamEma {
  decay: number;
  /** D steps whose update sets the anchors to the batch means (decay 0), as the authors' BigGAN code does before `ema_start`; 1: the first only. */
  start: number;
}

/**
 * This step's anchors α ← d·α + (1 − d)·mean D(·) from the carried ones and the step's logits, d = 0 on the first `start`
 * steps and the decay after; constants (no gradient reaches D through them). The penalty and the carried update both
 * compute them with these same operations, so the anchors the penalty used are, bit for bit, the ones carried on.
 */
export function leCamAnchors(
  state: CarriedValues,
  realLogits: tf.Tensor,
  fakeLogits: tf.Tensor,
  step: number,
  { decay, start }: LeCamEma,
): { real: tf.Scalar; fake: tf.Scalar } {
  const [real, fake] = [state.real, state.fake];
  if (real === undefined || fake === undefined)
    throw new Error('lecam: the anchors are carried state; the penalty got none (compile it with compileObjective)');
  const d = step < start ? 0 : decay;
  const average = (anchor: tf.Scalar, logits: tf.Tensor) => tf.add(tf.mul(anchor, d), tf.mul(stopGradient(tf.mean(logits)), 1 - d)) as tf.Scalar;
  return { real: average(real, realLogits), fake: average(fake, fakeLogits) };
}

/** The anchors as carried state, starting at 0 (the released StyleGAN2 code's initial value; the first update overwrites them). */
export function leCamCarried(ema: LeCamEma): CarriedState {
  return {
    initial: { real: 0, fake: 0 },
    update: (state, { realLogits, fakeLogits, step }) => tf.tidy(() => leCamAnchors(state, realLogits, fakeLogits, step, ema)),
  };
}

/**
 * λ·R_LC on the step's logits with the anchors updated by this step first (the authors' order: update the moving
 * averages with this batch, then penalize).
 */
export function leCamRegularization(context: PenaltyContext, lambda: number, hinged: boolean, ema: LeCamEma): tf.Scalar {
  return tf.tidy(() => {
    const anchors = leCamAnchors(context.state, context.realLogits, context.fakeLogits, context.step, ema);
    return tf.mul(lambda, leCamPenalty(context.realLogits, context.fakeLogits, anchors, hinged)) as tf.Scalar;
  });
}

export const lecam: RegularizerDefinition = {
  name: 'lecam',
  kind: 'penalty',
  description: "LeCam regularization: D's outputs on reals pulled to the moving average of its outputs on fakes, and fakes to that of reals",
  reference: 'Tseng et al. 2021, Regularizing Generative Adversarial Networks under Limited Data (LeCam)',
  params: {
    lambda: { type: 'number', description: "weight λ of the penalty (the authors' BigGAN CIFAR scripts: 0.3)", default: LECAM_LAMBDA, min: 0 },
    decay: { type: 'number', description: "decay of the anchors' moving averages (0.99)", default: LECAM_DECAY, min: 0, max: 1 },
    start: {
      type: 'integer',
      description: 'discriminator steps whose update sets the anchors to the batch means (decay 0); 1: the first only',
      default: 1,
      min: 1,
    },
    hinged: {
      type: 'boolean',
      description: "the released code's one-sided form E relu(D(x) − α_F)² + E relu(α_R − D(G(z)))² instead of Eq. 3",
      default: false,
    },
  },
  create: (p) => {
    const ema = { decay: p.decay as number, start: p.start as number };
    return {
      kind: 'penalty',
      carried: leCamCarried(ema),
      penalty: (context) => leCamRegularization(context, p.lambda as number, p.hinged as boolean, ema),
    };
  },
};
