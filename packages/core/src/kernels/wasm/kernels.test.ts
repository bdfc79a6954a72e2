import { checkGradients, testValues } from '@ganbench/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../backend.js';
import { conv2DBackpropFilterWithoutTile, IM2COL_MAX_PATCH } from './Conv2DBackpropFilter.js';
import { COL2IM_MAX_PATCH, conv2DBackpropInputWithoutTile } from './Conv2DBackpropInput.js';
import { maxRelativeError, referenceConv } from './references.js';
import type { WasmBackend } from './wasm_kernel_util.js';

interface ConvCase {
  name: string;
  xShape: [number, number, number, number];
  wShape: [number, number, number, number];
  stride: number;
  pad: 'same' | 'valid';
  x: Float32Array;
  w: Float32Array;
  dy: Float32Array;
}

function convCase(name: string, hw: number, k: number, stride: number, pad: 'same' | 'valid', ci: number, co: number, seed: number): ConvCase {
  const xShape: [number, number, number, number] = [2, hw, hw, ci];
  const wShape: [number, number, number, number] = [k, k, ci, co];
  const info = tf.backend_util.computeConv2DInfo(xShape, wShape, stride, 1, pad);
  return {
    name,
    xShape,
    wShape,
    stride,
    pad,
    x: testValues(2 * hw * hw * ci, seed),
    w: testValues(k * k * ci * co, seed + 1),
    dy: testValues(2 * info.outHeight * info.outWidth * co, seed + 2),
  };
}

// DCGAN's shapes, odd sizes, a kernel smaller than the stride (phases without taps), stride 3, 'valid'.
const CASES: ConvCase[] = [
  convCase('dcgan conv1 28→14 k4 s2', 28, 4, 2, 'same', 1, 8, 1),
  convCase('dcgan conv2 14→7 k4 s2', 14, 4, 2, 'same', 8, 16, 2),
  convCase('k3 s1 same', 7, 3, 1, 'same', 3, 5, 3),
  convCase('k3 s2 valid odd', 9, 3, 2, 'valid', 2, 3, 4),
  convCase('k5 s2 same', 8, 5, 2, 'same', 2, 2, 5),
  convCase('k1 s2 valid (empty phases)', 8, 1, 2, 'valid', 2, 2, 6),
  convCase('k3 s3 same', 10, 3, 3, 'same', 2, 4, 7),
  convCase('k4 s2 same odd input', 7, 4, 2, 'same', 2, 3, 8),
  // Above IM2COL_MAX_PATCH / COL2IM_MAX_PATCH taps × channels: the routes without the tile are convolutions. On the tile,
  // fewer than 8 output channels take the transposed filter gradient where a window row is whole tiles (8 channels,
  // 72) and pad dy's channels otherwise (5, 3); dx channels short of whole tiles are padded (5, 3).
  convCase('k3 s2 valid odd, 8 channels', 9, 3, 2, 'valid', 8, 3, 9),
  convCase('k5 s2 same, 3 channels', 8, 5, 2, 'same', 3, 2, 10),
  convCase('k1 s2 valid (empty phases), 72 channels', 8, 1, 2, 'valid', 72, 2, 11),
  convCase('k4 s2 same odd input, 5 channels', 7, 4, 2, 'same', 5, 3, 12),
  convCase('k3 s3 same, 8 channels', 10, 3, 3, 'same', 8, 4, 13),
];

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`convolution gradient kernels on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it.each(CASES)('Conv2DBackpropFilter and Conv2DBackpropInput match a float64 loop: $name', (c) => {
      const ref = referenceConv({ xShape: c.xShape, wShape: c.wShape, strides: [c.stride, c.stride], dilations: [1, 1], pad: c.pad }, c.x, c.w, c.dy);
      const x = tf.tensor4d(c.x, c.xShape);
      const w = tf.tensor4d(c.w, c.wShape);
      const dy = tf.tensor4d(c.dy, ref.dyShape);
      const dW = tf
        .engine()
        .runKernel('Conv2DBackpropFilter', { x, dy }, { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: c.wShape }) as tf.Tensor;
      const dX = tf.conv2dTranspose(dy, w, c.xShape, c.stride, c.pad);
      expect(maxRelativeError(dW.dataSync(), ref.dW)).toBeLessThan(1e-5);
      expect(maxRelativeError(dX.dataSync(), ref.dx)).toBeLessThan(1e-5);
      tf.dispose([x, w, dy, dW, dX]);
    });

    if (backend === 'wasm') {
      it.each(CASES)('without the tile (no wasm SIMD), both gradients match a float64 loop: $name', (c) => {
        const wasm = tf.backend() as unknown as WasmBackend;
        const strides: [number, number] = [c.stride, c.stride];
        const ref = referenceConv({ xShape: c.xShape, wShape: c.wShape, strides, dilations: [1, 1], pad: c.pad }, c.x, c.w, c.dy);
        const [x, w, dy] = [tf.tensor4d(c.x, c.xShape), tf.tensor4d(c.w, c.wShape), tf.tensor4d(c.dy, ref.dyShape)];
        const info = tf.backend_util.computeConv2DInfo(c.xShape, c.wShape, strides, 1, c.pad);
        const dW = tf.engine().makeTensorFromTensorInfo(conv2DBackpropFilterWithoutTile(wasm, x, dy, info));
        const dX = tf.engine().makeTensorFromTensorInfo(conv2DBackpropInputWithoutTile(wasm, dy, w, info));
        expect(maxRelativeError(dW.dataSync(), ref.dW)).toBeLessThan(1e-5);
        expect(maxRelativeError(dX.dataSync(), ref.dx)).toBeLessThan(1e-5);
        tf.dispose([x, w, dy, dW, dX]);
      });

      it('the cases cover both routes of each gradient without the tile', () => {
        const taps = CASES.map((c) => c.wShape[0] * c.wShape[1] * c.wShape[2]);
        expect(taps.some((t) => t <= IM2COL_MAX_PATCH) && taps.some((t) => t > IM2COL_MAX_PATCH)).toBe(true);
        expect(taps.some((t) => t <= COL2IM_MAX_PATCH) && taps.some((t) => t > COL2IM_MAX_PATCH)).toBe(true);
      });
    }

    it('conv2d gradients in input and filter match central finite differences', () => {
      const c = CASES[1] as ConvCase;
      const r = testValues(2 * 7 * 7 * 16, 11);
      const f = (x: tf.Tensor, w: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'), tf.tensor(r, [2, 7, 7, 16]))) as tf.Scalar;
      const check = checkGradients(f, [
        { shape: c.xShape, values: c.x },
        { shape: c.wShape, values: c.w },
      ]);
      expect(check.maxError).toBeLessThan(2e-3);
    });

    it('conv2dTranspose gradients in input and filter match central finite differences', () => {
      const r = testValues(2 * 14 * 14 * 3, 12);
      const f = (x: tf.Tensor, w: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [2, 14, 14, 3], 2, 'same'), tf.tensor(r, [2, 14, 14, 3]))) as tf.Scalar;
      const check = checkGradients(f, [
        { shape: [2, 7, 7, 5], values: testValues(2 * 7 * 7 * 5, 13) },
        { shape: [4, 4, 3, 5], values: testValues(4 * 4 * 3 * 5, 14) },
      ]);
      expect(check.maxError).toBeLessThan(2e-3);
    });
  });
}
