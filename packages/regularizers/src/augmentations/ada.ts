import { type Rng, tf } from '@ganbench/core';

/*
 * Adaptive discriminator augmentation (Karras et al. 2020, "Training Generative Adversarial Networks with Limited
 * Data"): the augmentation probability p is steered by the overfitting heuristic r_t = E[sign(D_train)], after the
 * authors' stylegan2-ada-pytorch (training_loop.py, augment.py), and the pixel-blitting group (x-flip, 90° rotations,
 * integer translation) is applied to each image with probability p, differentiably, to real and fake images alike.
 */

/** The paper's target for r_t, adjustment speed (p can go 0 → 1 in 500k images) and interval in D steps. */
export const ADA_TARGET = 0.6;
export const ADA_KIMG = 500;
export const ADA_INTERVAL = 4;

/** r_t = E[sign(D_train)] (Karras et al. 2020, Sec. 3, Eq. 1): the mean sign of D's logits on the training (real) images. */
export function adaOverfitting(realLogits: ArrayLike<number>): number {
  if (realLogits.length === 0) throw new Error('adaOverfitting: no logits');
  let sum = 0;
  for (let i = 0; i < realLogits.length; i++) sum += Math.sign(realLogits[i] as number);
  return sum / realLogits.length;
}

export interface AdaAdjustOptions {
  /** images per D step */
  batchSize: number;
  /** D steps between adjustments (4) */
  interval?: number;
  /** thousands of images over which p can move by 1 (500) */
  kimg?: number;
  /** r_t target (0.6) */
  target?: number;
}

/** p ← clamp(p + sign(r_t − target)·(batch·interval)/(ada_kimg·1000), 0, 1). */
export function adaAdjust(p: number, rt: number, options: AdaAdjustOptions): number {
  const interval = options.interval ?? ADA_INTERVAL;
  const kimg = options.kimg ?? ADA_KIMG;
  const target = options.target ?? ADA_TARGET;
  const step = (Math.sign(rt - target) * (options.batchSize * interval)) / (kimg * 1000);
  return Math.min(1, Math.max(0, p + step));
}

/** The controller's whole state: plain numbers, so JSON carries it through a checkpoint bit for bit. */
export interface AdaState {
  p: number;
  /** Σ sign(D(x_real)) and the number of logits since the last adjustment */
  signSum: number;
  signCount: number;
  /** D steps observed so far */
  steps: number;
}

/**
 * Accumulates sign(D(real)) over each D step and adjusts p every `interval` steps with that window's r_t, as the
 * authors' training loop does; starts at p = 0.
 */
export class AdaController {
  private s: AdaState;

  constructor(
    readonly options: AdaAdjustOptions,
    state?: AdaState,
  ) {
    this.s = state === undefined ? { p: 0, signSum: 0, signCount: 0, steps: 0 } : { ...state };
  }

  static fromState(options: AdaAdjustOptions, state: AdaState): AdaController {
    for (const key of ['p', 'signSum', 'signCount', 'steps'] as const) {
      if (typeof state[key] !== 'number' || !Number.isFinite(state[key])) throw new Error(`ada state.${key}: ${String(state[key])} is not a finite number`);
    }
    if (state.p < 0 || state.p > 1) throw new Error(`ada state.p: ${state.p} is not in [0, 1]`);
    return new AdaController(options, state);
  }

  get p(): number {
    return this.s.p;
  }

  /** One D step's real logits; returns p after the step (adjusted when the step closes an interval). */
  observe(realLogits: ArrayLike<number>): number {
    for (let i = 0; i < realLogits.length; i++) this.s.signSum += Math.sign(realLogits[i] as number);
    this.s.signCount += realLogits.length;
    this.s.steps += 1;
    if (this.s.steps % (this.options.interval ?? ADA_INTERVAL) === 0 && this.s.signCount > 0) {
      this.s.p = adaAdjust(this.s.p, this.s.signSum / this.s.signCount, this.options);
      this.s.signSum = 0;
      this.s.signCount = 0;
    }
    return this.s.p;
  }

  state(): AdaState {
    return { ...this.s };
  }
}

/** One image's pixel blit: a horizontal flip, then k counterclockwise quarter turns, then an integer shift (rows, columns). */
export interface Blit {
  flip: boolean;
  rotations: 0 | 1 | 2 | 3;
  shiftRows: number;
  shiftColumns: number;
}

/**
 * Draws each image's blit as the authors' augment.py does: x-flip i ~ U{0, 1}, rotation i ~ U{0..3} and translation
 * t ~ U[−1, 1)²·xint_max (rounded to pixels), each kept with probability p and otherwise the identity. Draw order: all
 * flip values, their gates; all rotation values, their gates; all (column, row) shift pairs, their gates.
 */
export function sampleBlits(rng: Rng, batch: number, [height, width]: readonly [number, number], p: number, maxShift = 0.125): Blit[] {
  if (!(p >= 0 && p <= 1)) throw new Error(`ada: p = ${p} is not in [0, 1]`);
  if (height !== width) throw new Error(`ada: the 90° rotations need square images; got ${height}×${width}`);
  const draw = (values: number) => Array.from({ length: batch }, () => Math.floor(rng.uniform() * values));
  const gate = () => Array.from({ length: batch }, () => rng.uniform() < p);
  const flips = draw(2);
  const flipGates = gate();
  const rotations = draw(4);
  const rotationGates = gate();
  const shifts = Array.from({ length: batch }, () => [(rng.uniform() * 2 - 1) * maxShift, (rng.uniform() * 2 - 1) * maxShift] as const);
  const shiftGates = gate();
  return Array.from({ length: batch }, (_, b) => ({
    flip: flipGates[b] === true && flips[b] === 1,
    rotations: (rotationGates[b] === true ? rotations[b] : 0) as Blit['rotations'],
    shiftRows: shiftGates[b] === true ? Math.round((shifts[b]?.[1] as number) * height) + 0 : 0,
    shiftColumns: shiftGates[b] === true ? Math.round((shifts[b]?.[0] as number) * width) + 0 : 0,
  }));
}

/**
 * Reflection padding (numpy's 'reflect': the edge is not repeated) of `pad` pixels on both sides of an axis, from slices
 * and reverses: tf.mirrorPad's gradient drops what flows into the reflected border.
 */
function reflectPad(x: tf.Tensor4D, axis: 1 | 2, pad: number): tf.Tensor4D {
  if (pad === 0) return x;
  const size = x.shape[axis];
  const part = (start: number) => {
    const begin = [0, 0, 0, 0];
    const extent = [...x.shape];
    begin[axis] = start;
    extent[axis] = pad;
    return tf.reverse(tf.slice(x, begin, extent), axis);
  };
  return tf.concat([part(1), x, part(size - 1 - pad)], axis);
}

/**
 * Applies one blit per image of x [N, H, W, C]: out = T(R^k(F(x))), F the flip of columns, R a counterclockwise quarter
 * turn (out[i, j] = in[j, W − 1 − i]), T the shift out[i, j] = in[i − rows, j − columns] with reflection at the border
 * (the authors pad by reflection). Differentiable in x: slice, reverse, transpose and concat.
 */
export function applyBlits(x: tf.Tensor4D, blits: readonly Blit[]): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (blits.length !== n) throw new Error(`ada: ${blits.length} blits for a batch of ${n}`);
  const padRows = Math.max(0, ...blits.map((b) => Math.abs(b.shiftRows)));
  const padColumns = Math.max(0, ...blits.map((b) => Math.abs(b.shiftColumns)));
  if (padRows >= h || padColumns >= w) throw new Error(`ada: shifts of up to ${padRows}×${padColumns} pixels do not fit a ${h}×${w} image`);
  return tf.tidy(() => {
    const turned = blits.map((blit, b) => {
      let image: tf.Tensor3D = tf.reshape(tf.slice(x, [b, 0, 0, 0], [1, h, w, c]), [h, w, c]);
      if (blit.flip) image = tf.reverse(image, 1);
      for (let k = 0; k < blit.rotations; k++) image = tf.transpose(tf.reverse(image, 1), [1, 0, 2]);
      return image;
    });
    const stacked = tf.stack(turned) as tf.Tensor4D;
    if (padRows === 0 && padColumns === 0) return stacked;
    const padded = reflectPad(reflectPad(stacked, 1, padRows), 2, padColumns);
    return tf.concat(
      blits.map((blit, b) => tf.slice(padded, [b, padRows - blit.shiftRows, padColumns - blit.shiftColumns, 0], [1, h, w, c])),
      0,
    );
  });
}

/** ADA's pixel-blitting group with probability p per image and transformation: applyBlits(x, sampleBlits(rng, …, p)). */
export function adaPixelBlit(x: tf.Tensor4D, rng: Rng, p: number): tf.Tensor4D {
  const [n, h, w] = x.shape;
  return applyBlits(x, sampleBlits(rng, n, [h, w], p));
}
