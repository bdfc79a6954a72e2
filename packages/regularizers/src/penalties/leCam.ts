import { tf } from '@ganbench/core';

/** Tseng et al. 2021's decay for the moving averages α_R, α_F of D's outputs. */
export const LECAM_DECAY = 0.99;

export interface LeCamAnchors {
  /** α_R: moving average of D's outputs on real data */
  real: number;
  /** α_F: moving average of D's outputs on generated data */
  fake: number;
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

/** What a checkpoint stores of the moving averages: plain numbers, so JSON round-trips them bit for bit. */
export interface LeCamEmaState {
  decay: number;
  real: number;
  fake: number;
  /** updates so far; the first one sets the averages to its values */
  updates: number;
}

/**
 * The moving averages α_R ← decay·α_R + (1 − decay)·mean D(x) and α_F likewise on fakes, updated once per
 * discriminator step with that step's batch (before the penalty, as the authors' code does); the first update
 * starts the averages at its batch means rather than at 0.
 */
export class LeCamEma {
  private s: LeCamEmaState;

  constructor(decay = LECAM_DECAY, state?: LeCamEmaState) {
    if (!(decay >= 0 && decay < 1)) throw new Error(`lecam decay: ${decay} is not allowed; must be a number in [0, 1)`);
    this.s = state === undefined ? { decay, real: 0, fake: 0, updates: 0 } : { ...state };
  }

  /** Restores a state written by `state()` (e.g. parsed from a checkpoint's JSON). */
  static fromState(state: LeCamEmaState): LeCamEma {
    for (const key of ['decay', 'real', 'fake', 'updates'] as const) {
      if (typeof state[key] !== 'number' || !Number.isFinite(state[key])) throw new Error(`lecam state.${key}: ${String(state[key])} is not a finite number`);
    }
    return new LeCamEma(state.decay, state);
  }

  /** Folds in one step's mean discriminator outputs (numbers: the anchors carry no gradient). */
  update(realMean: number, fakeMean: number): LeCamAnchors {
    const d = this.s.updates === 0 ? 0 : this.s.decay;
    this.s.real = d * this.s.real + (1 - d) * realMean;
    this.s.fake = d * this.s.fake + (1 - d) * fakeMean;
    this.s.updates += 1;
    return this.anchors();
  }

  /** Reads the batch means of real and fake logits and folds them in. */
  updateFrom(real: tf.Tensor, fake: tf.Tensor): LeCamAnchors {
    const [r, f] = tf.tidy(() => [tf.mean(real), tf.mean(fake)]);
    const realMean = (r as tf.Tensor).dataSync()[0] as number;
    const fakeMean = (f as tf.Tensor).dataSync()[0] as number;
    tf.dispose([r as tf.Tensor, f as tf.Tensor]);
    return this.update(realMean, fakeMean);
  }

  anchors(): LeCamAnchors {
    return { real: this.s.real, fake: this.s.fake };
  }

  state(): LeCamEmaState {
    return { ...this.s };
  }
}
