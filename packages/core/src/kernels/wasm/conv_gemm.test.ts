import { testValues } from '@ganbench/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../backend.js';
import {
  conv2DBackpropFilterGemm,
  conv2DBackpropFilterGemmApplies,
  conv2DBackpropFilterNarrowApplies,
  conv2DBackpropFilterNarrowGemm,
  conv2DBackpropInputGemm,
  conv2DBackpropInputGemmApplies,
  conv2DGemm,
  conv2DGemmApplies,
  matMulGemm,
  matMulGemmApplies,
} from './conv_gemm.js';
import { type ConvGeometry, maxRelativeError, referenceConv, referenceMatMul } from './references.js';
import { type Sgemm, sgemmFor } from './sgemm.js';
import type { WasmBackend } from './wasm_kernel_util.js';

interface Case extends ConvGeometry {
  name: string;
}

const square = (n: number, hw: number, k: number, ci: number, co: number, s: number, pad: Case['pad'], d = 1) => ({
  xShape: [n, hw, hw, ci] as [number, number, number, number],
  wShape: [k, k, ci, co] as [number, number, number, number],
  strides: [s, s] as [number, number],
  dilations: [d, d] as [number, number],
  pad,
});

// DCGAN's inner layers, odd sizes, rows that do not fill the last tile, windows clipped by the padding on
// every side, explicit asymmetric padding, dilation (taps one at a time), and more rows than one packed block.
const CASES: Case[] = [
  { name: 'dcgan conv2 14→7 k4 s2 same', ...square(2, 14, 4, 8, 16, 2, 'same') },
  { name: 'k3 s1 same, 5 rows per image', ...square(3, 5, 3, 12, 8, 1, 'same') },
  { name: 'k3 s2 valid, odd input', ...square(1, 9, 3, 8, 24, 2, 'valid') },
  { name: 'k5 s1 same, clipped on every side', ...square(2, 6, 5, 16, 8, 1, 'same') },
  { name: 'k3 s3 same, 10 (a phase with fewer rows)', ...square(2, 10, 3, 8, 8, 3, 'same') },
  { name: 'k1 s2 valid (phases without taps)', ...square(2, 8, 1, 8, 8, 2, 'valid') },
  { name: 'k5 s2 same, odd 7 (three taps in some phases, two in others)', ...square(2, 7, 5, 16, 8, 2, 'same') },
  {
    name: 'explicit asymmetric padding',
    ...square(1, 7, 3, 8, 8, 2, [
      [0, 0],
      [2, 0],
      [0, 1],
      [0, 0],
    ]),
  },
  { name: 'k3 dilation 2 same', ...square(2, 9, 3, 8, 8, 1, 'same', 2) },
  { name: 'k4 s2 same, 600 rows (three packed blocks)', ...square(6, 20, 4, 8, 8, 2, 'same') },
  { name: 'wide rows, k3 s1 (runs of blocks share a record)', ...square(2, 26, 3, 8, 16, 1, 'same') },
  { name: 'wide rows, k4 s2 (runs in the transposed phases too)', ...square(1, 40, 4, 8, 8, 2, 'same') },
  { name: 'an image layer, 1 channel, 28→14 k4 s2 (a window row is one vector)', ...square(3, 28, 4, 1, 8, 2, 'same') },
  { name: 'an image layer, 3 channels, k4 (a window row is three vectors)', ...square(2, 9, 4, 3, 8, 1, 'same') },
  { name: 'an image layer, 3 channels, k3 (channels padded to four)', ...square(2, 9, 3, 3, 16, 1, 'same') },
  { name: '1 channel, k3 s2 valid (channels padded to four)', ...square(2, 11, 3, 1, 8, 2, 'valid') },
  { name: '6 channels, k2 (a window row is three vectors)', ...square(2, 7, 2, 6, 8, 1, 'same') },
  { name: 'k3 s2 same, 8,192 rows (four slabs of the filter gradient)', ...square(2, 128, 3, 8, 8, 2, 'same') },
  { name: '3 channels padded to four, four slabs', ...square(8, 64, 3, 3, 8, 2, 'same') },
  { name: '5,120 rows in one slab (20 blocks)', ...square(5, 64, 3, 8, 8, 2, 'same') },
  { name: 'non-square kernel and strides', xShape: [2, 9, 11, 8], wShape: [2, 3, 8, 8], strides: [1, 2], dilations: [1, 1], pad: 'same' },
];

describe('the float32 GEMM tile on the wasm backend (single-threaded build)', () => {
  let backend: WasmBackend;
  beforeAll(async () => {
    await initBackend('wasm', { threads: 1 });
    backend = tf.backend() as unknown as WasmBackend;
  });

  it('instantiates on the backend memory, with relaxed SIMD where Node offers it', () => {
    const gemm = sgemmFor(backend);
    expect(gemm).not.toBeNull();
    expect(gemm?.threads).toBe(1);
    // Node 20 has relaxed SIMD behind a flag the module sets; both variants must compile here
    expect(sgemmFor(backend, 'relaxed-simd')?.variant).toBe('relaxed-simd');
    expect(sgemmFor(backend, 'simd')?.variant).toBe('simd');
  });

  for (const variant of ['simd', 'relaxed-simd'] as const) {
    it.each(CASES)(`${variant}: the convolution and its filter gradient match float64 loops: $name`, (c) => {
      const gemm = sgemmFor(backend, variant) as Sgemm;
      const xs = testValues(
        c.xShape.reduce((a, b) => a * b, 1),
        1,
      );
      const ws = testValues(
        c.wShape.reduce((a, b) => a * b, 1),
        2,
      );
      const info0 = tf.backend_util.computeConv2DInfo(c.xShape, c.wShape, c.strides, c.dilations, c.pad);
      const dys = testValues(info0.batchSize * info0.outHeight * info0.outWidth * info0.outChannels, 3);
      const ref = referenceConv(c, xs, ws, dys);
      const x = tf.tensor4d(xs, c.xShape);
      const w = tf.tensor4d(ws, c.wShape);
      const dy = tf.tensor4d(dys, [info0.batchSize, info0.outHeight, info0.outWidth, info0.outChannels]);
      const y = tf.engine().makeTensorFromTensorInfo(conv2DGemm(backend, gemm, x, w, ref.info));
      expect(maxRelativeError(y.dataSync(), ref.y)).toBeLessThan(2e-6);
      // the gradients have no dilation attribute in tfjs
      if (c.dilations[0] === 1) {
        const dW = tf.engine().makeTensorFromTensorInfo(conv2DBackpropFilterGemm(backend, gemm, x, dy, ref.info));
        expect(maxRelativeError(dW.dataSync(), ref.dW)).toBeLessThan(2e-6);
        // the tile holds whole tiles of dx channels only
        if (c.xShape[3] % 8 === 0) {
          const dx = tf.engine().makeTensorFromTensorInfo(conv2DBackpropInputGemm(backend, gemm, dy, w, ref.info));
          expect(maxRelativeError(dx.dataSync(), ref.dx)).toBeLessThan(2e-6);
          dx.dispose();
        }
        dW.dispose();
      }
      tf.dispose([x, w, dy, y]);
    });
  }

  // fewer output channels than a tile's columns: one row block (1, 3), two (5); a 1×1 filter; windows clipped by the
  // padding; a window row of 8 floats from 2 channels
  const NARROW: Case[] = [
    { name: '3 of 8 channels out, k3 s1 same', ...square(2, 9, 3, 8, 3, 1, 'same') },
    { name: '1×1, 16 → 3', ...square(2, 7, 1, 16, 3, 1, 'valid') },
    { name: '5 out (two row blocks), k3 s2 valid', ...square(1, 9, 3, 8, 5, 2, 'valid') },
    { name: '1 out, k4 s2 same, 2 channels', ...square(3, 10, 4, 2, 1, 2, 'same') },
  ];
  for (const variant of ['simd', 'relaxed-simd'] as const) {
    it.each(NARROW)(`${variant}: the transposed filter gradient of a narrow output matches a float64 loop: $name`, (c) => {
      const gemm = sgemmFor(backend, variant) as Sgemm;
      const info = tf.backend_util.computeConv2DInfo(c.xShape, c.wShape, c.strides, c.dilations, c.pad);
      expect(conv2DBackpropFilterNarrowApplies(info)).toBe(true);
      const xs = testValues(
        c.xShape.reduce((a, b) => a * b, 1),
        11,
      );
      const dys = testValues(info.batchSize * info.outHeight * info.outWidth * info.outChannels, 12);
      const ref = referenceConv(
        c,
        xs,
        testValues(
          c.wShape.reduce((a, b) => a * b, 1),
          13,
        ),
        dys,
      );
      const x = tf.tensor4d(xs, c.xShape);
      const dy = tf.tensor4d(dys, ref.dyShape);
      const dW = tf.engine().makeTensorFromTensorInfo(conv2DBackpropFilterNarrowGemm(backend, gemm, x, dy, info));
      expect(maxRelativeError(dW.dataSync(), ref.dW)).toBeLessThan(2e-6);
      tf.dispose([x, dy, dW]);
    });
  }

  it('the registered kernels take the tile where it applies, and repeat their bits', () => {
    const c = CASES[0] as Case;
    const x = tf.tensor4d(testValues(2 * 14 * 14 * 8, 4), c.xShape);
    const w = tf.tensor4d(testValues(4 * 4 * 8 * 16, 5), c.wShape);
    const dy = tf.tensor4d(testValues(2 * 7 * 7 * 16, 6), [2, 7, 7, 16]);
    const info = tf.backend_util.computeConv2DInfo(c.xShape, c.wShape, 2, 1, 'same');
    const gemm = sgemmFor(backend) as Sgemm;
    const viaKernel = tf.conv2d(x, w, 2, 'same');
    const viaKernelW = tf
      .engine()
      .runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: c.wShape }) as tf.Tensor;
    const viaKernelX = tf.conv2dTranspose(dy, w, c.xShape, 2, 'same');
    const directX = tf.engine().makeTensorFromTensorInfo(conv2DBackpropInputGemm(backend, gemm, dy, w, info));
    expect(Array.from(viaKernelX.dataSync())).toEqual(Array.from(directX.dataSync()));
    const direct = tf.engine().makeTensorFromTensorInfo(conv2DGemm(backend, gemm, x, w, info));
    const directW = tf.engine().makeTensorFromTensorInfo(conv2DBackpropFilterGemm(backend, gemm, x, dy, info));
    expect(Array.from(viaKernel.dataSync())).toEqual(Array.from(direct.dataSync()));
    expect(Array.from(viaKernelW.dataSync())).toEqual(Array.from(directW.dataSync()));
    tf.dispose([x, w, dy, viaKernel, viaKernelW, viaKernelX, direct, directW, directX]);
  });

  it('routes to the tile whole tiles of output channels (forward: and a window row of 8 floats or a 1×1 filter; transposed: whole tiles of dx channels); XNNPACK keeps the rest', () => {
    const info = (ci: number, co: number) => tf.backend_util.computeConv2DInfo([1, 8, 8, ci], [3, 3, ci, co], 1, 1, 'same');
    expect([conv2DGemmApplies(info(8, 8)), conv2DGemmApplies(info(3, 64)), conv2DGemmApplies(info(1, 64)), conv2DGemmApplies(info(64, 3))]).toEqual([
      true,
      true,
      false,
      false,
    ]);
    const oneByOne = tf.backend_util.computeConv2DInfo([1, 8, 8, 3], [1, 1, 3, 16], 1, 1, 'same');
    expect(conv2DGemmApplies(oneByOne)).toBe(true);
    expect([conv2DBackpropInputGemmApplies(info(8, 1)), conv2DBackpropInputGemmApplies(info(1, 64)), conv2DBackpropInputGemmApplies(info(12, 8))]).toEqual([
      true,
      false,
      false,
    ]);
    expect([conv2DBackpropFilterGemmApplies(info(1, 64)), conv2DBackpropFilterGemmApplies(info(6, 8)), conv2DBackpropFilterGemmApplies(info(64, 3))]).toEqual([
      true,
      true,
      false,
    ]);
    // the transposed route: fewer than 8 output channels, a window row (3 taps × ci) in whole tiles
    expect([
      conv2DBackpropFilterNarrowApplies(info(64, 3)),
      conv2DBackpropFilterNarrowApplies(info(3, 3)),
      conv2DBackpropFilterNarrowApplies(info(64, 8)),
    ]).toEqual([true, false, false]);
  });

  // a dense layer's shapes, rows that do not fill the last tile, more columns than one pass (256), a batch
  it.each([
    [1, 128, 64, 64],
    [1, 7, 5, 16],
    [1, 9, 33, 264],
    [3, 6, 10, 24],
  ])('the matrix product matches a float64 loop: batch %i, %i×%i times %i columns', (batch, m, k, n) => {
    const as = testValues(batch * m * k, 7);
    const bs = testValues(batch * k * n, 8);
    const ref = referenceMatMul(as, bs, batch, m, k, n, false, false);
    const a = tf.tensor3d(as, [batch, m, k]);
    const b = tf.tensor3d(bs, [batch, k, n]);
    expect(matMulGemmApplies(a, b)).toBe(true);
    const aT = tf.transpose(a, [0, 2, 1]);
    for (const variant of ['simd', 'relaxed-simd'] as const) {
      const c = tf.engine().makeTensorFromTensorInfo(matMulGemm(backend, sgemmFor(backend, variant) as Sgemm, a, b));
      expect(maxRelativeError(c.dataSync(), ref)).toBeLessThan(2e-6);
      // Aᵀ read down its columns: the same products in the same order
      const cT = tf.engine().makeTensorFromTensorInfo(matMulGemm(backend, sgemmFor(backend, variant) as Sgemm, aT, b, true));
      expect(Array.from(cT.dataSync())).toEqual(Array.from(c.dataSync()));
      tf.dispose([c, cT]);
    }
    aT.dispose();
    // the registered kernel, also with a transposed operand (transposed first, then the tile)
    const direct = tf.engine().makeTensorFromTensorInfo(matMulGemm(backend, sgemmFor(backend) as Sgemm, a, b));
    const viaKernel = tf.matMul(a, b);
    const viaTransposed = tf.matMul(tf.transpose(a, [0, 2, 1]), b, true, false);
    expect(Array.from(viaKernel.dataSync())).toEqual(Array.from(direct.dataSync()));
    expect(Array.from(viaTransposed.dataSync())).toEqual(Array.from(direct.dataSync()));
    tf.dispose([a, b, direct, viaKernel, viaTransposed]);
  });
});
