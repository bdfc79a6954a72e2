import { testValues } from '@ganbench/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../backend.js';
import { leadingAxesCount, MAX_POOL_CHANNELS, poolColumns } from './reduce_leading_axes.js';
import { referenceMatMul } from './references.js';
import { runWasmKernel, type WasmBackend } from './wasm_kernel_util.js';

/** float64 Σ over the first `lead` axes of a row-major array, as [outer, inner]. */
function referenceLeadingSum(x: Float32Array, outer: number, inner: number): Float64Array {
  const out = new Float64Array(inner);
  for (let r = 0; r < outer; r++) for (let c = 0; c < inner; c++) out[c] = (out[c] as number) + (x[r * inner + c] as number);
  return out;
}

function maxAbsError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let err = 0;
  for (let i = 0; i < expected.length; i++) err = Math.max(err, Math.abs((actual[i] as number) - (expected[i] as number)));
  return err;
}

describe('leadingAxesCount', () => {
  it('recognizes exactly the leading-axes reductions, negative axes included', () => {
    expect(leadingAxesCount([0, 1, 2], [2, 3, 4, 5])).toBe(3);
    expect(leadingAxesCount([2, 0, 1], [2, 3, 4, 5])).toBe(3);
    expect(leadingAxesCount(0, [6, 7])).toBe(1);
    expect(leadingAxesCount([0, -2], [2, 3, 4])).toBe(2);
    expect(leadingAxesCount([1, 2], [2, 3, 4])).toBeNull();
    expect(leadingAxesCount([0, 2], [2, 3, 4])).toBeNull();
    expect(leadingAxesCount([0, 1, 2], [2, 3, 4])).toBeNull();
  });

  it('poolColumns splits a row into W pixels of at most MAX_POOL_CHANNELS channels, W·C = inner', () => {
    expect(poolColumns(64)).toEqual([1, 64]);
    expect(poolColumns(MAX_POOL_CHANNELS)).toEqual([1, MAX_POOL_CHANNELS]);
    expect(poolColumns(147456)).toEqual([18, 8192]);
    expect(poolColumns(3 * 5 * 7 * 11 * 13)).toEqual([3, 5005]);
    expect(poolColumns(32771)).toEqual([32771, 1]); // a prime
  });
});

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`BatchMatMul, Sum, Mean, Identity and Cast on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    const MATMULS = [
      { batch: 1, m: 5, k: 7, n: 3, tA: false, tB: false },
      { batch: 1, m: 5, k: 7, n: 3, tA: true, tB: false },
      { batch: 1, m: 5, k: 7, n: 3, tA: false, tB: true },
      { batch: 1, m: 4, k: 9, n: 6, tA: true, tB: true },
      { batch: 3, m: 4, k: 6, n: 5, tA: true, tB: false },
      { batch: 3, m: 4, k: 6, n: 5, tA: false, tB: true },
      // Large enough for the wasm override's one-matrix-at-a-time path (m·k·n ≥ 4096).
      { batch: 3, m: 20, k: 16, n: 24, tA: false, tB: false },
      { batch: 3, m: 20, k: 16, n: 24, tA: true, tB: true },
      { batch: 6, m: 16, k: 32, n: 9, tA: false, tB: true, leading: [2, 3] },
    ];
    it.each(MATMULS)('matMul(transposeA=$tA, transposeB=$tB), batch $batch, $m×$k×$n, matches a float64 loop', ({ batch, m, k, n, tA, tB, leading }) => {
      const a = testValues(batch * m * k, 21);
      const b = testValues(batch * k * n, 22);
      const lead = batch === 1 ? [] : (leading ?? [batch]);
      const ta = tf.tensor(a, [...lead, ...(tA ? [k, m] : [m, k])]);
      const tb = tf.tensor(b, [...lead, ...(tB ? [n, k] : [k, n])]);
      const c = tf.matMul(ta as tf.Tensor3D, tb as tf.Tensor3D, tA, tB);
      expect(c.shape).toEqual([...lead, m, n]);
      expect(maxAbsError(c.dataSync(), referenceMatMul(a, b, batch, m, k, n, tA, tB))).toBeLessThan(1e-5);
      tf.dispose([ta, tb, c]);
    });

    const REDUCTIONS = [
      { shape: [4, 5, 6, 3], axes: [0, 1, 2], keepDims: false },
      { shape: [4, 5, 6, 3], axes: [0, 1, 2], keepDims: true },
      { shape: [7, 9], axes: [0], keepDims: false },
      { shape: [3, 4, 5], axes: [0, 1], keepDims: true },
      { shape: [3, 4, 5], axes: [1, 2], keepDims: false },
      { shape: [3, 4, 5], axes: [0, 2], keepDims: false },
      // Rows wider than one XNNPACK pool takes (its AvgPool read outside the wasm heap at 32 768 channels).
      { shape: [9, 32768], axes: [0], keepDims: false },
      { shape: [3, 3, 128, 128], axes: [0, 1], keepDims: true },
      { shape: [2, 32771], axes: [0], keepDims: false },
    ];
    it.each(REDUCTIONS)('sum and mean over $axes of $shape (keepDims $keepDims) match float64', ({ shape, axes, keepDims }) => {
      const x = tf.tensor(
        testValues(
          shape.reduce((p, q) => p * q, 1),
          23,
        ),
        shape,
      );
      // The float64 reference moves the reduced axes to the front, then sums rows.
      const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
      const moved = tf.transpose(x, [...axes, ...kept]);
      const outer = axes.reduce((p, a) => p * (shape[a] as number), 1);
      const expectedSum = referenceLeadingSum(moved.dataSync() as Float32Array, outer, moved.size / outer);
      const expectedShape = keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : kept.map((i) => shape[i]);
      const sum = tf.sum(x, axes, keepDims);
      const mean = tf.mean(x, axes, keepDims);
      expect(sum.shape).toEqual(expectedShape);
      expect(mean.shape).toEqual(expectedShape);
      expect(maxAbsError(sum.dataSync(), expectedSum)).toBeLessThan(1e-5);
      expect(
        maxAbsError(
          mean.dataSync(),
          expectedSum.map((v) => v / outer),
        ),
      ).toBeLessThan(1e-6);
      tf.dispose([x, moved, sum, mean]);
    });

    it('integer sums over leading axes stay exact integers', () => {
      const x = tf.tensor([1, 2, 3, 4, 5, 6], [3, 2], 'int32');
      const s = tf.sum(x, 0);
      expect(s.dtype).toBe('int32');
      expect(Array.from(s.dataSync())).toEqual([9, 12]);
      tf.dispose([x, s]);
    });

    it('clone and a same-dtype cast keep their values after the source is disposed; a real cast converts', () => {
      const x = tf.tensor([1.5, -2.25, 3], [3]);
      const copy = tf.clone(x);
      const same = tf.cast(x, 'float32');
      const truncated = tf.cast(x, 'int32');
      x.dispose();
      expect(Array.from(copy.dataSync())).toEqual([1.5, -2.25, 3]);
      expect(Array.from(same.dataSync())).toEqual([1.5, -2.25, 3]);
      expect(truncated.dtype).toBe('int32');
      expect(Array.from(truncated.dataSync())).toEqual([1, -2, 3]);
      tf.dispose([copy, same, truncated]);
    });

    it('a variable saved for backprop keeps the value it had when the loss was taped', () => {
      const v = tf.variable(tf.tensor([2, 3]));
      const { value, grads } = tf.variableGrads(() => {
        const loss = tf.sum(tf.square(v)) as tf.Scalar;
        v.assign(tf.tensor([100, 100]));
        return loss;
      }, [v]);
      expect(value.dataSync()[0]).toBe(13);
      expect(Array.from((grads[v.name] as tf.Tensor).dataSync())).toEqual([4, 6]);
      tf.dispose([v, value, ...Object.values(grads)]);
    });

    it('leaves no tensor behind', () => {
      const x = tf.tensor(testValues(2 * 3 * 4, 24), [2, 3, 4]);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) tf.dispose([tf.sum(x, [0, 1]), tf.mean(x, 0, true), tf.matMul(x as tf.Tensor3D, x as tf.Tensor3D, false, true)]);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    });
  });
}

describe('the direct wasm loops against the shipped kernels', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  const tensorOf = (shape: readonly number[], seed: number) =>
    tf.tensor4d(
      testValues(
        shape.reduce((a, b) => a * b, 1),
        seed,
      ),
      shape as [number, number, number, number],
    );
  /** The kernel tfjs-backend-wasm ships under `name`, run on the same inputs: the reference. */
  const shipped = (name: string, inputs: Record<string, tf.Tensor>, attrs: object) =>
    tf.engine().makeTensorFromTensorInfo(runWasmKernel(tf.backend() as unknown as WasmBackend, name, inputs, attrs as never));

  // tiling windows take the direct loop; overlapping or padded ones the shipped kernel, which is the reference
  it.each([
    { shape: [3, 8, 8, 5], filterSize: 2, strides: 2, pad: 'valid' as const },
    { shape: [2, 6, 4, 8], filterSize: 2, strides: 2, pad: 'valid' as const }, // the SIMD pass: 2×2, channels in fours
    { shape: [2, 9, 6, 3], filterSize: [3, 2] as [number, number], strides: [3, 2] as [number, number], pad: 'valid' as const },
    { shape: [2, 7, 7, 3], filterSize: 3, strides: 2, pad: 'same' as const },
  ])('AvgPoolGrad equals the shipped kernel bit for bit: $shape, window $filterSize, stride $strides, $pad', ({ shape, filterSize, strides, pad }) => {
    const x = tensorOf(shape, 21);
    const pooled = tf.avgPool(x, filterSize, strides, pad);
    const dy = tf.tensor4d(testValues(pooled.size, 22), pooled.shape);
    const attrs = { filterSize, strides, pad };
    const ours = tf.engine().runKernel('AvgPoolGrad', { dy, input: x }, attrs) as tf.Tensor;
    const reference = shipped('AvgPoolGrad', { dy, input: x }, attrs);
    expect(Array.from(ours.dataSync())).toEqual(Array.from(reference.dataSync()));
    // the adjoint of the pool: Σ dx·x = Σ dy·avgPool(x) (tfjs's padded pool divides by the window's valid
    // count and its gradient by the whole window, so only unpadded pools are adjoint)
    if (pad === 'valid') expect(tf.sum(tf.mul(ours, x)).dataSync()[0]).toBeCloseTo(tf.sum(tf.mul(dy, pooled)).dataSync()[0] as number, 3);
    tf.dispose([x, pooled, dy, ours, reference]);
  });

  // by 2 without aligned corners the SIMD pass (the shipped kernel is the reference, with or without half-pixel centers)
  it.each([
    { shape: [2, 3, 5, 8], size: [6, 10] as [number, number], alignCorners: false, halfPixelCenters: false },
    { shape: [2, 3, 5, 8], size: [6, 10] as [number, number], alignCorners: false, halfPixelCenters: true },
    { shape: [2, 3, 5, 6], size: [6, 10] as [number, number], alignCorners: false, halfPixelCenters: false },
    { shape: [2, 3, 5, 8], size: [6, 10] as [number, number], alignCorners: true, halfPixelCenters: false },
    { shape: [2, 3, 5, 8], size: [9, 10] as [number, number], alignCorners: false, halfPixelCenters: false },
  ])(
    'ResizeNearestNeighbor equals the shipped kernel bit for bit: $shape → $size, alignCorners $alignCorners, halfPixelCenters $halfPixelCenters',
    ({ shape, size, alignCorners, halfPixelCenters }) => {
      const x = tensorOf(shape, 29);
      const ours = tf.image.resizeNearestNeighbor(x, size, alignCorners, halfPixelCenters);
      const reference = shipped('ResizeNearestNeighbor', { images: x }, { size, alignCorners, halfPixelCenters });
      expect(ours.shape).toEqual(reference.shape);
      expect(Array.from(ours.dataSync())).toEqual(Array.from(reference.dataSync()));
      tf.dispose([x, ours, reference]);
    },
  );

  // whole factors take the direct loop (the shipped kernel is the reference); a fractional one and aligned corners the shipped kernel
  it.each([
    { shape: [3, 4, 5, 6], size: [8, 10] as [number, number], alignCorners: false, halfPixelCenters: false },
    { shape: [2, 3, 5, 8], size: [6, 10] as [number, number], alignCorners: false, halfPixelCenters: true }, // by 2: the SIMD pass
    { shape: [2, 3, 3, 4], size: [9, 6] as [number, number], alignCorners: false, halfPixelCenters: true },
    { shape: [2, 4, 4, 3], size: [6, 7] as [number, number], alignCorners: false, halfPixelCenters: false },
    { shape: [2, 4, 4, 3], size: [8, 8] as [number, number], alignCorners: true, halfPixelCenters: false },
  ])(
    'ResizeNearestNeighborGrad is the adjoint of the resize and equals the shipped kernel: $shape → $size',
    ({ shape, size, alignCorners, halfPixelCenters }) => {
      const x = tensorOf(shape, 23);
      const up = tf.image.resizeNearestNeighbor(x, size, alignCorners, halfPixelCenters);
      const dy = tf.tensor4d(testValues(up.size, 24), up.shape);
      const attrs = { alignCorners, halfPixelCenters };
      const ours = tf.engine().runKernel('ResizeNearestNeighborGrad', { images: x, dy }, attrs) as tf.Tensor;
      const reference = shipped('ResizeNearestNeighborGrad', { images: x, dy }, attrs);
      expect(maxAbsError(ours.dataSync(), reference.dataSync())).toBeLessThan(1e-6);
      expect(tf.sum(tf.mul(ours, x)).dataSync()[0]).toBeCloseTo(tf.sum(tf.mul(dy, up)).dataSync()[0] as number, 3);
      tf.dispose([x, up, dy, ours, reference]);
    },
  );

  const x = () => tensorOf([3, 5, 6, 4], 25);

  it.each([
    { begin: [0, 1, 1, 0], size: [3, 3, 4, 4] },
    { begin: [1, 0, 0, 0], size: [2, 5, 6, 4] },
    { begin: [0, 0, 2, 1], size: [3, 5, 1, 2] },
    { begin: [2, 4, 5, 3], size: [1, 1, 1, 1] },
    { begin: [0, 2, 0, 0], size: [3, 0, 6, 4] },
  ])('Slice equals the shipped kernel: begin $begin, size $size', ({ begin, size }) => {
    const t = x();
    const ours = tf.slice(t, begin, size);
    const reference = shipped('Slice', { x: t }, { begin, size });
    expect(Array.from(ours.dataSync())).toEqual(Array.from(reference.dataSync()));
    tf.dispose([t, ours, reference]);
  });

  it.each([
    {
      paddings: [
        [0, 0],
        [1, 2],
        [3, 0],
        [0, 0],
      ],
      constantValue: 0,
    },
    {
      paddings: [
        [1, 0],
        [0, 0],
        [0, 0],
        [2, 1],
      ],
      constantValue: -1.5,
    },
    {
      paddings: [
        [0, 0],
        [0, 0],
        [0, 0],
        [0, 0],
      ],
      constantValue: 0,
    },
  ] as { paddings: [number, number][]; constantValue: number }[])(
    'PadV2 equals the shipped kernel: $paddings, value $constantValue',
    ({ paddings, constantValue }) => {
      const t = x();
      const ours = tf.pad(t, paddings, constantValue);
      const reference = shipped('PadV2', { x: t }, { paddings, constantValue });
      expect(Array.from(ours.dataSync())).toEqual(Array.from(reference.dataSync()));
      tf.dispose([t, ours, reference]);
    },
  );

  it.each([
    { x: [2, 3, 5, 8], bias: [8] },
    { x: [7, 12], bias: [1, 12] },
    { x: [16], bias: [16] },
    { x: [3, 4, 3], bias: [3] }, // channels not a multiple of 4: the shipped kernel
    { x: [3, 4], bias: [3, 4] }, // not a bias: the shipped kernel
    { x: [2, 3, 5, 8], bias: [1, 1, 1, 8] },
    // a row per sample (StyleGAN2's modulation) or per sample and row; a same-shaped operand is no broadcast
    { x: [2, 3, 5, 8], bias: [2, 1, 1, 8] },
    { x: [2, 3, 5, 8], bias: [2, 3, 1, 8] },
    { x: [2, 1, 1, 8], bias: [2, 1, 1, 8] },
    { x: [2, 3, 5, 8], bias: [1, 3, 1, 8] }, // a middle axis: the shipped kernel
  ])('Add and Multiply of $x and $bias equal the shipped kernels bit for bit, either order', ({ x: xShape, bias: biasShape }) => {
    const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
    const x = tf.tensor(testValues(size(xShape), 26), xShape);
    const bias = tf.tensor(testValues(size(biasShape), 27), biasShape);
    for (const [a, b] of [
      [x, bias],
      [bias, x],
    ] as const) {
      for (const [op, kernel] of [
        [tf.add, 'Add'],
        [tf.mul, 'Multiply'],
      ] as const) {
        const ours = op(a, b);
        const reference = shipped(kernel, { a, b }, {});
        expect(ours.shape).toEqual(reference.shape);
        expect(Array.from(ours.dataSync())).toEqual(Array.from(reference.dataSync()));
        tf.dispose([ours, reference]);
      }
    }
    tf.dispose([x, bias]);
  });

  it.each([
    { shape: [1, 4, 4, 8], reps: [5, 1, 1, 1] },
    { shape: [2, 3], reps: [3, 4] },
    { shape: [3, 1, 2], reps: [1, 3, 2] },
    { shape: [5], reps: [1] },
    { shape: [2, 3], reps: [0, 2] },
    // a channel broadcast (Sum's gradient over the channels), and rows too long to copy element by element
    { shape: [2, 3, 3, 1], reps: [1, 1, 1, 5] },
    { shape: [2, 20], reps: [2, 3] },
  ])('Tile of $shape by $reps equals the shipped kernel', ({ shape, reps }) => {
    const t = tf.tensor(
      testValues(
        shape.reduce((a, b) => a * b, 1),
        28,
      ),
      shape,
    );
    const ours = tf.tile(t, reps);
    const reference = shipped('Tile', { x: t }, { reps });
    expect(ours.shape).toEqual(reference.shape);
    expect(Array.from(ours.dataSync())).toEqual(Array.from(reference.dataSync()));
    tf.dispose([t, ours, reference]);
  });

  // 2×2 windows without padding take the SIMD pass (the shipped kernel is the reference); others the shipped kernel
  it.each([
    { shape: [3, 6, 7, 16], strides: 1 },
    { shape: [2, 8, 8, 8], strides: 2 },
    { shape: [2, 9, 5, 4], strides: [2, 1] as [number, number] },
    { shape: [1, 3, 3, 12], strides: 1 },
    { shape: [1, 2, 5, 12], strides: 1 },
    { shape: [2, 2, 2, 12], strides: 1 }, // one window over the whole image: the shipped kernel
    { shape: [3, 2, 2, 4], strides: 2 },
    { shape: [2, 6, 6, 3], strides: 1 }, // channels not a multiple of 4
  ])('AvgPool 2×2 of $shape, stride $strides, equals the shipped kernel bit for bit', ({ shape, strides }) => {
    const t = tensorOf(shape, 32);
    const ours = tf.avgPool(t, 2, strides, 'valid');
    const reference = shipped('AvgPool', { x: t }, { filterSize: 2, strides, pad: 'valid' });
    expect(ours.shape).toEqual(reference.shape);
    expect(Array.from(ours.dataSync())).toEqual(Array.from(reference.dataSync()));
    tf.dispose([t, ours, reference]);
  });

  // lengths with and without a tail of n mod 4 floats; α > 1 tells x < 0 ? αx : x from max(x, αx)
  it.each([
    { n: 64, alpha: 0.2 },
    { n: 23, alpha: 0.2 },
    { n: 3, alpha: 0.01 },
    { n: 30, alpha: 1.5 },
  ])('LeakyRelu and its gradient (n $n, α $alpha) equal the shipped LeakyRelu and tfjs-core’s where(x > 0, dy, α·dy) bit for bit', ({ n, alpha }) => {
    const values = testValues(n, 28);
    values[0] = 0;
    values[1] = -0;
    const x = tf.tensor1d(values);
    const dy = tf.tensor1d(testValues(n, 29));
    const ours = tf.leakyRelu(x, alpha);
    expect(Array.from(ours.dataSync())).toEqual(Array.from(shipped('LeakyRelu', { x }, { alpha }).dataSync()));
    const { value, grad } = tf.valueAndGrad((v: tf.Tensor) => tf.leakyRelu(v, alpha))(x, dy);
    const reference = tf.where(tf.greater(x, 0), dy, tf.mul(dy, alpha));
    expect(Array.from(grad.dataSync())).toEqual(Array.from(reference.dataSync()));
    expect(Array.from(value.dataSync())).toEqual(Array.from(ours.dataSync()));
    tf.dispose([x, dy, ours, value, grad, reference]);
  });

  it('a leaky ReLU and its gradient run one kernel each', async () => {
    const x = tf.tensor1d(testValues(40, 30));
    const dy = tf.tensor1d(testValues(40, 31));
    const profile = await tf.profile(() => tf.grad((v: tf.Tensor) => tf.leakyRelu(v, 0.2))(x, dy));
    const names = profile.kernels.map((k) => k.name);
    expect(names).toContain('LeakyRelu');
    expect(names).toContain('GanbenchLeakyReluGrad');
    expect(names.filter((k) => ['Greater', 'Select', 'Multiply', 'Relu', 'Step'].includes(k))).toEqual([]);
    tf.dispose([x, dy]);
  });

  it('a 1-D slice and a rank-2 pad', () => {
    const v = tf.tensor1d([1, 2, 3, 4, 5]);
    expect(Array.from(tf.slice(v, 1, 3).dataSync())).toEqual([2, 3, 4]);
    expect(
      Array.from(
        tf
          .pad(
            tf.tensor2d([1, 2, 3, 4], [2, 2]),
            [
              [1, 0],
              [0, 1],
            ],
            9,
          )
          .dataSync(),
      ),
    ).toEqual([9, 9, 9, 1, 2, 9, 3, 4, 9]);
  });
});
