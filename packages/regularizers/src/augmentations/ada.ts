import { type CarriedState, type CarriedValues, type Rng, tf } from '@ganbench/core';
import type { RegularizerDefinition } from '../types.js';

/*
 * Adaptive discriminator augmentation (Karras et al. 2020, "Training Generative Adversarial Networks with Limited
 * Data"), after the authors' stylegan2-ada-pytorch (training_loop.py, augment.py). The augmentation probability p
 * lives on the device (the trainer carries it): every draw is made in JavaScript whatever p is, and only the gates
 * u_i < p are computed on the device, so a step reads nothing back and runs the same on every backend.
 */

/** The paper's target for r_t, adjustment speed (p can go 0 → 1 in 500k images) and interval in D steps. */
export const ADA_TARGET = 0.6;
export const ADA_KIMG = 500;
export const ADA_INTERVAL = 4;
/** The transformation groups, in the authors' order: pixel blitting, then general geometric transformations. */
export const ADA_GROUPS = ['blit', 'blit,geom'] as const;
export type AdaGroups = (typeof ADA_GROUPS)[number];

/** augment.py's defaults: integer translation up to 1/8, scaling 2^N(0, 0.2²), rotations U(−π, π), fractional translation N(0, 0.125²). */
const XINT_MAX = 0.125;
const SCALE_STD = 0.2;
const ANISO_STD = 0.2;
const XFRAC_STD = 0.125;

export interface AdaControl {
  target: number;
  interval: number;
  kimg: number;
}

/**
 * The p controller as carried state: `signs` accumulates Σ sign(D(x_real)) over the current window of `interval` D steps;
 * on its last step r_t = signs/(interval·N) (Karras et al. 2020, Sec. 3: r_t = E[sign(D_train)]) and
 * p ← clamp(p + sign(r_t − target)·N·interval/(kimg·1000), 0, 1), N the batch (the logits' length), as training_loop.py
 * adjusts it. `rt`, the window's r_t so far, is logged, not carried.
 */
export function adaCarried({ target, interval, kimg }: AdaControl): CarriedState {
  return {
    initial: { p: 0, signs: 0 },
    update(state: CarriedValues, { realLogits, step }) {
      const n = realLogits.size;
      const stepsInWindow = (step % interval) + 1;
      return tf.tidy(() => {
        const signs = tf.add(state.signs as tf.Scalar, tf.sum(tf.sign(realLogits)));
        const rt = tf.div(signs, stepsInWindow * n);
        if (stepsInWindow < interval) return { p: tf.clone(state.p as tf.Scalar), signs, rt };
        const adjust = tf.mul(tf.sign(tf.sub(rt, target)), (n * interval) / (kimg * 1000));
        return { p: tf.clipByValue(tf.add(state.p as tf.Scalar, adjust), 0, 1), signs: tf.zerosLike(signs), rt };
      });
    },
  };
}

/** One image's pixel blit: a horizontal flip, then k counterclockwise quarter turns, then an integer shift (rows, columns). */
export interface Blit {
  flip: boolean;
  rotations: 0 | 1 | 2 | 3;
  shiftRows: number;
  shiftColumns: number;
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

/** One counterclockwise quarter turn of every image: out[i, j] = in[j, W − 1 − i]. */
const quarterTurn = (x: tf.Tensor4D) => tf.transpose(tf.reverse(x, 2), [0, 2, 1, 3]) as tf.Tensor4D;

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
      let image = tf.slice(x, [b, 0, 0, 0], [1, h, w, c]);
      if (blit.flip) image = tf.reverse(image, 2);
      for (let k = 0; k < blit.rotations; k++) image = quarterTurn(image);
      return image;
    });
    const stacked = n === 1 ? (turned[0] as tf.Tensor4D) : tf.concat(turned, 0);
    if (padRows === 0 && padColumns === 0) return stacked;
    const padded = reflectPad(reflectPad(stacked, 1, padRows), 2, padColumns);
    return tf.concat(
      blits.map((blit, b) => tf.slice(padded, [b, padRows - blit.shiftRows, padColumns - blit.shiftColumns, 0], [1, h, w, c])),
      0,
    );
  });
}

/**
 * Every random number of one ADA augmentation of a batch, drawn whatever p is (so the stream advances the same on
 * every step): each transformation's parameter and its gate u_i ~ U[0, 1), applied to image i when u_i < p.
 */
export interface AdaDraws {
  /** x-flip i ~ U{0, 1} */
  flip: number[];
  flipGate: number[];
  /** quarter turns k ~ U{0..3} */
  rotation: number[];
  rotationGate: number[];
  /** integer translation round(U[−1, 1)·0.125·size) pixels (rows, columns) */
  shift: [number, number][];
  shiftGate: number[];
  /** absent for the blit group alone */
  geom?: {
    /** isotropic scale 2^N(0, 0.2²) */
    scale: number[];
    scaleGate: number[];
    /** rotations θ ~ U(−π, π) before and after the anisotropic scaling, each gated with p_rot = 1 − √(1 − p) */
    preRotation: number[];
    preRotationGate: number[];
    /** anisotropic scale a: x by a, y by 1/a, a = 2^N(0, 0.2²) */
    aniso: number[];
    anisoGate: number[];
    postRotation: number[];
    postRotationGate: number[];
    /** fractional translation N(0, 0.125²)·size in pixels (x: columns, y: rows) */
    translation: [number, number][];
    translationGate: number[];
  };
}

/** Draws in augment.py's order: each transformation's parameters for the batch, then its gates. */
export function drawAda(rng: Rng, batch: number, [height, width]: readonly [number, number], groups: AdaGroups): AdaDraws {
  const each = <T>(f: () => T) => Array.from({ length: batch }, f);
  const gates = () => each(() => rng.uniform());
  const flip = each(() => rng.int(2));
  const flipGate = gates();
  const rotation = each(() => rng.int(4));
  const rotationGate = gates();
  const shift = each((): [number, number] => {
    const columns = Math.round((rng.uniform() * 2 - 1) * XINT_MAX * width) + 0;
    const rows = Math.round((rng.uniform() * 2 - 1) * XINT_MAX * height) + 0;
    return [rows, columns];
  });
  const shiftGate = gates();
  const draws: AdaDraws = { flip, flipGate, rotation, rotationGate, shift, shiftGate };
  if (groups === 'blit') return draws;
  const scale = each(() => 2 ** (rng.normal() * SCALE_STD));
  const scaleGate = gates();
  const preRotation = each(() => (rng.uniform() * 2 - 1) * Math.PI);
  const preRotationGate = gates();
  const aniso = each(() => 2 ** (rng.normal() * ANISO_STD));
  const anisoGate = gates();
  const postRotation = each(() => (rng.uniform() * 2 - 1) * Math.PI);
  const postRotationGate = gates();
  const translation = each((): [number, number] => [rng.normal() * XFRAC_STD * width, rng.normal() * XFRAC_STD * height]);
  const translationGate = gates();
  return {
    ...draws,
    geom: { scale, scaleGate, preRotation, preRotationGate, aniso, anisoGate, postRotation, postRotationGate, translation, translationGate },
  };
}

/** gather(x, indices) along axis 0 with scatterND (which sums duplicates) as its gradient: tfjs's own needs UnsortedSegmentSum, which the wasm backend lacks. */
function gatherRows(x: tf.Tensor2D, indices: tf.Tensor1D): tf.Tensor2D {
  const gather = tf.customGrad((source, save) => {
    (save as tf.GradSaveFunc)([indices]);
    return {
      value: tf.gather(source as tf.Tensor2D, indices) as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => tf.scatterND(tf.expandDims(saved as tf.Tensor1D, 1), dy, x.shape),
    };
  });
  return gather(x) as tf.Tensor2D;
}

/** numpy's 'reflect' of integer coordinates into [0, size − 1], repeated for any distance: (size − 1) − |mod(i, 2(size − 1)) − (size − 1)|. */
function reflectIndex(i: tf.Tensor, size: number): tf.Tensor {
  if (size === 1) return tf.zerosLike(i);
  return tf.sub(size - 1, tf.abs(tf.sub(tf.mod(i, 2 * (size - 1)), size - 1)));
}

/** A 2×2 matrix per image, four [N] tensors [[a, b], [c, d]]. */
type Matrices = [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
const times = ([a, b, c, d]: Matrices, [e, f, g, h]: Matrices): Matrices => [
  tf.add(tf.mul(a, e), tf.mul(b, g)),
  tf.add(tf.mul(a, f), tf.mul(b, h)),
  tf.add(tf.mul(c, e), tf.mul(d, g)),
  tf.add(tf.mul(c, f), tf.mul(d, h)),
];
/** augment.py's rotate2d_inv(−θ) = rotate2d(θ). */
const rotation = (theta: tf.Tensor1D): Matrices => {
  const [cos, sin] = [tf.cos(theta), tf.sin(theta)];
  return [cos, tf.neg(sin), sin, cos];
};
/** scale2d_inv(sx, sy). */
const inverseScale = (sx: tf.Tensor1D, sy: tf.Tensor1D): Matrices => {
  const zero = tf.zerosLike(sx);
  return [tf.reciprocal(sx), zero, zero, tf.reciprocal(sy)];
};

/**
 * Samples each image of x at G_inv·(X − t) (pixel coordinates about the image's center, x the column, y the row; L the
 * 2×2 part of G_inv, t the translation) bilinearly, reflecting coordinates outside the image as augment.py's reflection
 * padding does. Differentiable in x (the coordinates are constants).
 */
function sampleAffine(x: tf.Tensor4D, [a, b, c, d]: Matrices, tx: tf.Tensor1D, ty: tf.Tensor1D): tf.Tensor4D {
  const [n, h, w, channels] = x.shape;
  const columns = Float32Array.from({ length: h * w }, (_, k) => (k % w) - (w - 1) / 2);
  const rows = Float32Array.from({ length: h * w }, (_, k) => Math.floor(k / w) - (h - 1) / 2);
  const column = (m: tf.Tensor1D) => tf.reshape(m, [n, 1]);
  const [X, Y] = [tf.sub(tf.tensor2d(columns, [1, h * w]), column(tx)), tf.sub(tf.tensor2d(rows, [1, h * w]), column(ty))];
  // Source coordinates [N, H·W] in pixels from the top-left corner.
  const sx = tf.add(tf.add(tf.mul(column(a), X), tf.mul(column(b), Y)), (w - 1) / 2);
  const sy = tf.add(tf.add(tf.mul(column(c), X), tf.mul(column(d), Y)), (h - 1) / 2);
  const [x0, y0] = [tf.floor(sx), tf.floor(sy)];
  const [fx, fy] = [tf.sub(sx, x0), tf.sub(sy, y0)];
  const base = tf.tensor2d(
    Float32Array.from({ length: n }, (_, i) => i * h * w),
    [n, 1],
  );
  const flat = tf.reshape(x, [n * h * w, channels]) as tf.Tensor2D;
  const corner = (dy: number, dx: number, weight: tf.Tensor) => {
    // Exact in float32: indices below 2²⁴.
    const within = tf.add(tf.mul(reflectIndex(tf.add(y0, dy), h), w), reflectIndex(tf.add(x0, dx), w));
    const index = tf.cast(tf.reshape(tf.add(base, within), [n * h * w]), 'int32') as tf.Tensor1D;
    return tf.mul(gatherRows(flat, index), tf.reshape(weight, [n * h * w, 1]));
  };
  const [gx, gy] = [tf.sub(1, fx), tf.sub(1, fy)];
  const sampled = tf.addN([corner(0, 0, tf.mul(gy, gx)), corner(0, 1, tf.mul(gy, fx)), corner(1, 0, tf.mul(fy, gx)), corner(1, 1, tf.mul(fy, fx))]);
  return tf.reshape(sampled, [n, h, w, channels]) as tf.Tensor4D;
}

/** Image i's transformed value where its gate u_i < p, x_i itself elsewhere (selected, so exactly x_i). */
function gated(x: tf.Tensor4D, transformed: tf.Tensor4D, keep: tf.Tensor): tf.Tensor4D {
  return tf.where(tf.reshape(keep, [x.shape[0], 1, 1, 1]), transformed, x) as tf.Tensor4D;
}

/**
 * ADA's pipeline on x [N, H, W, C] with probability p (a scalar on the device) per image and transformation, from
 * `draws`: the pixel blits (x-flip, quarter turns, integer translation with reflection; exact pixel moves), then for
 * 'blit,geom' the geometric group as one bilinear resampling at G_inv = S⁻¹·R(θ₁)·A⁻¹·R(θ₂)·T⁻¹ (isotropic scaling,
 * rotation, anisotropic scaling, rotation, fractional translation; the two rotations gated with 1 − √(1 − p), so one
 * happens with probability p). Differentiable in x; nothing is read back from the device.
 */
export function adaAugment(x: tf.Tensor4D, p: tf.Scalar, draws: AdaDraws): tf.Tensor4D {
  const [n, h, w] = x.shape;
  if (draws.flip.length !== n) throw new Error(`ada: draws for ${draws.flip.length} images, a batch of ${n}`);
  if (h !== w) throw new Error(`ada: the 90° rotations need square images; got ${h}×${w}`);
  return tf.tidy(() => {
    const open = (u: number[], probability: tf.Scalar = p) => tf.less(tf.tensor1d(u), probability);
    const where = (mask: boolean[]) => tf.tensor1d(mask.map(Number), 'bool');
    let y = gated(x, tf.reverse(x, 2), tf.logicalAnd(open(draws.flipGate), where(draws.flip.map((i) => i === 1))));
    const rotationOpen = open(draws.rotationGate);
    let turned = y;
    for (let k = 1; k <= 3; k++) {
      turned = quarterTurn(turned);
      y = gated(y, turned, tf.logicalAnd(rotationOpen, where(draws.rotation.map((i) => i === k))));
    }
    const shifts = draws.shift.map(([rows, columns]): Blit => ({ flip: false, rotations: 0, shiftRows: rows, shiftColumns: columns }));
    y = gated(y, applyBlits(y, shifts), open(draws.shiftGate));
    const geom = draws.geom;
    if (geom === undefined) return y;
    const value = (values: number[], u: number[], identity: number, probability: tf.Scalar = p) =>
      tf.where(open(u, probability), tf.tensor1d(values), tf.fill([n], identity)) as tf.Tensor1D;
    const pRotation = tf.sub(1, tf.sqrt(tf.clipByValue(tf.sub(1, p), 0, 1))) as tf.Scalar;
    const s = value(geom.scale, geom.scaleGate, 1);
    const a = value(geom.aniso, geom.anisoGate, 1);
    const inverse = [
      inverseScale(s, s),
      rotation(value(geom.preRotation, geom.preRotationGate, 0, pRotation)),
      inverseScale(a, tf.reciprocal(a)),
      rotation(value(geom.postRotation, geom.postRotationGate, 0, pRotation)),
    ].reduce(times);
    const tx = value(
      geom.translation.map(([t]) => t),
      geom.translationGate,
      0,
    );
    const ty = value(
      geom.translation.map(([, t]) => t),
      geom.translationGate,
      0,
    );
    return sampleAffine(y, inverse, tx, ty);
  });
}

/** The registered regularizer `ada`: an augmentation whose probability p the trainer carries from step to step. */
export const ada: RegularizerDefinition = {
  name: 'ada',
  kind: 'augmentation',
  description:
    'adaptive discriminator augmentation: each of x-flip, 90° rotation, integer translation (and scaling, rotation, anisotropic scaling, fractional translation) applied per image with probability p, p steered by r_t = E[sign(D(x_real))] (image datasets only)',
  reference: 'Karras et al. 2020, Training Generative Adversarial Networks with Limited Data (ADA)',
  params: {
    target: { type: 'number', description: "the r_t that p is steered to (the paper's 0.6)", default: ADA_TARGET, min: 0, max: 1 },
    interval: { type: 'integer', description: 'discriminator steps between adjustments of p (4)', default: ADA_INTERVAL, min: 1 },
    kimg: { type: 'number', description: 'thousands of images over which p can move by 1 (500)', default: ADA_KIMG, min: 0, exclusiveMin: true },
    groups: {
      type: 'string',
      description:
        "the transformation groups: 'blit' (x-flip, 90° rotations, integer translation) or 'blit,geom' (then scaling, rotation, anisotropic scaling, fractional translation)",
      default: 'blit,geom',
      allowed: ADA_GROUPS,
    },
  },
  create: (p) => {
    const groups = p.groups as AdaGroups;
    return {
      kind: 'augmentation',
      carried: adaCarried({ target: p.target as number, interval: p.interval as number, kimg: p.kimg as number }),
      augment: (x, rng, _step, state) => {
        if (x.rank !== 4) throw new Error(`ada: augments images [N, H, W, C]; got a tensor of shape [${x.shape.join(', ')}]`);
        const [n, h, w] = x.shape as [number, number, number, number];
        return adaAugment(x as tf.Tensor4D, state.p as tf.Scalar, drawAda(rng, n, [h, w], groups));
      },
    };
  },
};
