import { initBackend, Rng, tf } from '@ganbench/core';
import { checkGradients, testValues } from '@ganbench/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRegularizer } from '../registry.js';
import { type AdaDraws, adaAugment, adaCarried, applyBlits, type Blit, drawAda } from './ada.js';

const SHAPE = [4, 6, 6, 2] as const;
const [N, S, , C] = SHAPE;
const VALUES = testValues(N * S * S * C, 61);

const reflect = (i: number, size = S) => {
  const period = 2 * (size - 1);
  const m = ((i % period) + period) % period;
  return size - 1 - Math.abs(m - (size - 1));
};

/** The source pixel of out[i, j] under T(R^k(F(·))), written out from the definitions, with reflection at the border. */
function reference(values: ArrayLike<number>, blits: Blit[]): number[] {
  return Array.from({ length: values.length }, (_, idx) => {
    const [b, i, j, k] = [Math.floor(idx / (S * S * C)), Math.floor(idx / (S * C)) % S, Math.floor(idx / C) % S, idx % C];
    const blit = blits[b] as Blit;
    let [r, c] = [reflect(i - blit.shiftRows), reflect(j - blit.shiftColumns)];
    for (let t = 0; t < blit.rotations; t++) [r, c] = [c, S - 1 - r];
    if (blit.flip) c = S - 1 - c;
    return values[((b * S + r) * S + c) * C + k] as number;
  });
}

/**
 * Bilinear sampling of each image at G_inv·(X − t) + center, G_inv = S⁻¹·R(θ₁)·A⁻¹·R(θ₂) in float64 from the parameters
 * (identity where a gate is closed), reflecting coordinates: augment.py's geometric group written out.
 */
function geomReference(values: ArrayLike<number>, draws: AdaDraws, p: number): number[] {
  const g = draws.geom as NonNullable<AdaDraws['geom']>;
  const pRot = 1 - Math.sqrt(1 - p);
  const at = (b: number, r: number, c: number, k: number) => values[((b * S + reflect(r)) * S + reflect(c)) * C + k] as number;
  const mul = (m: number[], n: number[]) => [
    (m[0] as number) * (n[0] as number) + (m[1] as number) * (n[2] as number),
    (m[0] as number) * (n[1] as number) + (m[1] as number) * (n[3] as number),
    (m[2] as number) * (n[0] as number) + (m[3] as number) * (n[2] as number),
    (m[2] as number) * (n[1] as number) + (m[3] as number) * (n[3] as number),
  ];
  const rot = (t: number) => [Math.cos(t), -Math.sin(t), Math.sin(t), Math.cos(t)];
  return Array.from({ length: values.length }, (_, idx) => {
    const [b, i, j, k] = [Math.floor(idx / (S * S * C)), Math.floor(idx / (S * C)) % S, Math.floor(idx / C) % S, idx % C];
    const open = (u: number[], q = p) => (u[b] as number) < q;
    const s = open(g.scaleGate) ? (g.scale[b] as number) : 1;
    const a = open(g.anisoGate) ? (g.aniso[b] as number) : 1;
    const t1 = open(g.preRotationGate, pRot) ? (g.preRotation[b] as number) : 0;
    const t2 = open(g.postRotationGate, pRot) ? (g.postRotation[b] as number) : 0;
    const [tx, ty] = open(g.translationGate) ? (g.translation[b] as [number, number]) : [0, 0];
    const m = [[1 / s, 0, 0, 1 / s], rot(t1), [1 / a, 0, 0, a], rot(t2)].reduce(mul);
    const [X, Y] = [j - (S - 1) / 2 - tx, i - (S - 1) / 2 - ty];
    const sx = (m[0] as number) * X + (m[1] as number) * Y + (S - 1) / 2;
    const sy = (m[2] as number) * X + (m[3] as number) * Y + (S - 1) / 2;
    const [x0, y0] = [Math.floor(sx), Math.floor(sy)];
    const [fx, fy] = [sx - x0, sy - y0];
    return (1 - fy) * ((1 - fx) * at(b, y0, x0, k) + fx * at(b, y0, x0 + 1, k)) + fy * ((1 - fx) * at(b, y0 + 1, x0, k) + fx * at(b, y0 + 1, x0 + 1, k));
  });
}

const BLITS: Blit[] = [
  { flip: false, rotations: 0, shiftRows: 0, shiftColumns: 0 },
  { flip: true, rotations: 1, shiftRows: 2, shiftColumns: -1 },
  { flip: false, rotations: 3, shiftRows: -3, shiftColumns: 0 },
  { flip: true, rotations: 2, shiftRows: 1, shiftColumns: 5 },
];

/** The blit group's draws with explicit gates: image b gets BLITS[b] where its gates are below p. */
function blitDraws(gates: number[]): AdaDraws {
  return {
    flip: BLITS.map((b) => (b.flip ? 1 : 0)),
    flipGate: gates,
    rotation: BLITS.map((b) => b.rotations),
    rotationGate: gates,
    shift: BLITS.map((b) => [b.shiftRows, b.shiftColumns]),
    shiftGate: gates,
  };
}

const read = (t: tf.Tensor) => Array.from(t.dataSync());
const float32 = (xs: number[]) => xs.map((v) => Math.fround(v));

describe('ADA: the p controller as carried state (Karras et al. 2020)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('sums sign(D(x_real)) over each window of `interval` steps, then p ← clamp(p + sign(r_t − target)·N·interval/(kimg·1000), 0, 1)', () => {
    const control = { target: 0.6, interval: 3, kimg: 0.05 };
    const carried = adaCarried(control);
    expect(carried.initial).toEqual({ p: 0, signs: 0 });
    // 18 steps of 5 logits around a bias per window of 3 steps, so r_t lands above and below the target.
    const biases = [2, 2, -0.2, 0.4, -2, 2];
    const noise = testValues(18 * 5, 3, -1, 1);
    const logits = Array.from({ length: 18 }, (_, step) =>
      Array.from({ length: 5 }, (_, i) => (biases[Math.floor(step / 3)] as number) + (noise[step * 5 + i] as number)),
    );
    const trajectory: number[] = [];
    let state: Record<string, tf.Scalar> = { p: tf.scalar(0), signs: tf.scalar(0) };
    let p = 0;
    let signs = 0;
    const delta = Math.fround((5 * 3) / 50);
    const before = tf.memory().numTensors;
    logits.forEach((row, step) => {
      const realLogits = tf.tensor1d(row);
      const next = tf.tidy(() => carried.update(state, { realLogits, fakeLogits: tf.zeros([5]), step })) as Record<string, tf.Scalar>;
      tf.dispose([realLogits, ...Object.values(state)]);
      signs += row.reduce((sum, v) => sum + Math.sign(v), 0);
      const rt = Math.fround(signs / (((step % 3) + 1) * 5));
      expect((next.rt as tf.Scalar).dataSync()[0]).toBe(rt);
      if (step % 3 === 2) {
        p = Math.min(1, Math.max(0, Math.fround(p + Math.sign(rt - Math.fround(0.6)) * delta)));
        signs = 0;
        trajectory.push(p);
      }
      expect((next.p as tf.Scalar).dataSync()[0]).toBe(p);
      expect((next.signs as tf.Scalar).dataSync()[0]).toBe(signs);
      tf.dispose(next.rt as tf.Tensor);
      state = { p: next.p as tf.Scalar, signs: next.signs as tf.Scalar };
    });
    expect(tf.memory().numTensors).toBe(before);
    // The trajectory moved both ways and was held at 0 once.
    const moves = trajectory.map((v, i) => Math.sign(v - (trajectory[i - 1] ?? 0)));
    expect(moves).toContain(1);
    expect(moves).toContain(-1);
    expect(moves).toContain(0);
    tf.dispose(Object.values(state));
  });

  it('is registered as the augmentation `ada` with the paper’s defaults; bad values fail naming the field', () => {
    const bound = createRegularizer('ada');
    expect(bound.kind).toBe('augmentation');
    expect(bound.params).toEqual({ target: 0.6, interval: 4, kimg: 500, groups: 'blit,geom' });
    expect(() => createRegularizer('ada', { groups: 'geom' })).toThrow(/groups.*geom.*blit, blit,geom/);
    expect(() => createRegularizer('ada', { interval: 0 })).toThrow(/interval/);
  });
});

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`ADA augmentations on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it('x-flip, quarter turns and reflected integer shifts move pixels as their definitions say; no tensors leak', () => {
      const x = tf.tensor4d(VALUES, [...SHAPE]);
      const before = tf.memory().numTensors;
      const out = applyBlits(x, BLITS);
      expect(tf.memory().numTensors).toBe(before + 1);
      expect(read(out)).toEqual(float32(reference(VALUES, BLITS)));
      tf.dispose([x, out]);
    });

    it('each image is transformed exactly when its gate u_i < p (p on the device), and is itself otherwise; p = 0 is the identity', () => {
      const x = tf.tensor4d(VALUES, [...SHAPE]);
      const gates = [0.1, 0.7, 0.3, 0.9];
      const p = tf.scalar(0.5);
      const before = tf.memory().numTensors;
      const out = adaAugment(x, p, blitDraws(gates));
      expect(tf.memory().numTensors).toBe(before + 1);
      const expected = reference(
        VALUES,
        BLITS.map((b, i) => ((gates[i] as number) < 0.5 ? b : (BLITS[0] as Blit))),
      );
      expect(read(out)).toEqual(float32(expected));
      for (const groups of ['blit', 'blit,geom'] as const) {
        const zero = tf.scalar(0);
        const identity = adaAugment(x, zero, drawAda(new Rng(3), N, [S, S], groups));
        expect(read(identity)).toEqual(Array.from(VALUES));
        tf.dispose([zero, identity]);
      }
      tf.dispose([x, p, out]);
    });

    it('the geometric group is bilinear resampling at S⁻¹·R(θ₁)·A⁻¹·R(θ₂)·T⁻¹ with reflection, as written out in float64', () => {
      const x = tf.tensor4d(VALUES, [...SHAPE]);
      const draws = drawAda(new Rng(8), N, [S, S], 'blit,geom');
      // The blits off (gates 1), so only the geometric group acts.
      const geomOnly: AdaDraws = { ...draws, flipGate: [1, 1, 1, 1], rotationGate: [1, 1, 1, 1], shiftGate: [1, 1, 1, 1] };
      for (const pValue of [1, 0.6]) {
        const p = tf.scalar(pValue);
        const out = adaAugment(x, p, geomOnly);
        const expected = geomReference(VALUES, geomOnly, pValue);
        const got = read(out);
        for (let i = 0; i < got.length; i++) expect(Math.abs((got[i] as number) - (expected[i] as number))).toBeLessThan(2e-5);
        expect(got).not.toEqual(Array.from(VALUES));
        tf.dispose([p, out]);
      }
      tf.dispose(x);
    });

    it('is differentiable in the images (blit and geometric groups): gradients match central differences', () => {
      const s = tf.tensor(testValues(N * S * S * C, 62), [...SHAPE]);
      const p = tf.scalar(0.8);
      for (const draws of [blitDraws([0.1, 0.2, 0.3, 0.9]), drawAda(new Rng(4), N, [S, S], 'blit,geom')]) {
        const check = checkGradients((x) => tf.sum(tf.mul(s, adaAugment(x as tf.Tensor4D, p, draws))) as tf.Scalar, [{ shape: [...SHAPE], values: VALUES }], {
          maxCoordinates: 60,
        });
        expect(check.maxError).toBeLessThan(3e-3);
      }
      tf.dispose([s, p]);
    });
  });
}

describe('ADA draws', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('applies each blit with probability p per image: the fraction of changed images matches 1 − (1 − p/2)(1 − 3p/4)(1 − p·P(shift ≠ 0))', () => {
    const [n, side] = [600, 16];
    const x = new Rng(2).uniformTensor([n, side, side, 1]) as tf.Tensor4D;
    // Shifts round(U[−1, 1)·2) ≠ 0 on an axis with probability ¾, so on either with 1 − ¼².
    const shiftMoves = 1 - 0.25 ** 2;
    for (const pValue of [0.3, 0.8]) {
      const p = tf.scalar(pValue);
      const out = adaAugment(x, p, drawAda(new Rng(17), n, [side, side], 'blit'));
      const [a, b] = [x.dataSync(), out.dataSync()];
      let changed = 0;
      for (let i = 0; i < n; i++) {
        const at = i * side * side;
        if (a.subarray(at, at + side * side).some((v, k) => v !== b[at + k])) changed++;
      }
      const expected = 1 - (1 - pValue / 2) * (1 - (3 * pValue) / 4) * (1 - pValue * shiftMoves);
      expect(Math.abs(changed / n - expected)).toBeLessThan(3 * Math.sqrt((expected * (1 - expected)) / n));
      tf.dispose([p, out]);
    }
    tf.dispose(x);
  });

  it('draws the same count whatever p is (the stream advances alike), from the seed; refuses non-square images', () => {
    const [a, b] = [new Rng(5), new Rng(5)];
    drawAda(a, 3, [8, 8], 'blit,geom');
    drawAda(b, 3, [8, 8], 'blit,geom');
    expect(a.uniform()).toBe(b.uniform());
    const x = tf.zeros([2, 4, 6, 1]) as tf.Tensor4D;
    const p = tf.scalar(0.5);
    expect(() => adaAugment(x, p, drawAda(new Rng(1), 2, [4, 6], 'blit'))).toThrow('ada: the 90° rotations need square images; got 4×6');
    tf.dispose([x, p]);
  });
});
