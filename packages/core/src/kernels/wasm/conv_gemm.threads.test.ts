import os from 'node:os';
import { testValues } from '@ganbench/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../backend.js';
import { conv2DBackpropFilterGemm, conv2DBackpropFilterNarrowGemm, conv2DBackpropInputGemm, conv2DGemm, matMulGemm } from './conv_gemm.js';
import { chunkBoundaries, PARALLEL_MIN_FLOPS, type Sgemm, sgemmFor } from './sgemm.js';
import type { WasmBackend } from './wasm_kernel_util.js';

const twoCores = os.availableParallelism() >= 2;

describe.skipIf(!twoCores)('the GEMM tile on two threads (tfjs pthread build; skipped on a one-core machine)', () => {
  let backend: WasmBackend;
  let gemm: Sgemm;
  /** The same kernels with every batch on the calling thread. */
  let oneThread: Sgemm;
  beforeAll(async () => {
    await initBackend('wasm', { threads: 2 });
    backend = tf.backend() as unknown as WasmBackend;
    gemm = sgemmFor(backend) as Sgemm;
    oneThread = { ...gemm, threads: 1, execute: (records, count) => gemm.execute(records, count, 0) };
  });

  const bits = (info: tf.TensorInfo) => {
    const t = tf.engine().makeTensorFromTensorInfo(info);
    const out = Array.from(t.dataSync());
    t.dispose();
    return out;
  };

  it('runs on the shared memory with tfjs thread count', () => {
    expect(gemm.threads).toBe(2);
  });

  // above PARALLEL_MIN_FLOPS each, so their chunks are shared between the threads
  it.each([
    ['k3 s1 same, 32 → 64 channels', [8, 16, 16, 32], [3, 3, 32, 64], 1],
    ['k4 s2 same, 64 → 128 channels (DCGAN)', [16, 14, 14, 64], [4, 4, 64, 128], 2],
    ['k3 s1 same, 16 → 16 channels over 8,192 positions (four slabs of the filter gradient)', [8, 32, 32, 16], [3, 3, 16, 16], 1],
  ] as const)('the convolution and both gradients equal the one-thread run bit for bit: %s', (_name, xShape, wShape, stride) => {
    const info = tf.backend_util.computeConv2DInfo([...xShape], [...wShape], stride, 1, 'same');
    expect(2 * info.batchSize * info.outHeight * info.outWidth * info.outChannels * wShape[0] * wShape[1] * wShape[2]).toBeGreaterThan(PARALLEL_MIN_FLOPS);
    const x = tf.tensor4d(
      testValues(
        xShape.reduce((a, b) => a * b, 1),
        1,
      ),
      [...xShape],
    );
    const w = tf.tensor4d(
      testValues(
        wShape.reduce((a, b) => a * b, 1),
        2,
      ),
      [...wShape],
    );
    const dyShape: [number, number, number, number] = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
    const dy = tf.tensor4d(
      testValues(
        dyShape.reduce((a, b) => a * b, 1),
        3,
      ),
      dyShape,
    );
    for (const [two, one] of [
      [conv2DGemm(backend, gemm, x, w, info), conv2DGemm(backend, oneThread, x, w, info)],
      [conv2DBackpropFilterGemm(backend, gemm, x, dy, info), conv2DBackpropFilterGemm(backend, oneThread, x, dy, info)],
      [conv2DBackpropInputGemm(backend, gemm, dy, w, info), conv2DBackpropInputGemm(backend, oneThread, dy, w, info)],
    ] as const) {
      expect(bits(two)).toEqual(bits(one));
    }
    tf.dispose([x, w, dy]);
  });

  it('the filter gradient of a narrow output (64 → 3 channels, split between the threads by window row and columns) equals the one-thread run bit for bit', () => {
    const info = tf.backend_util.computeConv2DInfo([8, 32, 32, 64], [3, 3, 64, 3], 1, 1, 'same');
    expect(2 * 4 * 576 * 8 * 32 * 32).toBeGreaterThan(PARALLEL_MIN_FLOPS);
    const x = tf.tensor4d(testValues(8 * 32 * 32 * 64, 6), [8, 32, 32, 64]);
    const dy = tf.tensor4d(testValues(8 * 32 * 32 * 3, 7), [8, 32, 32, 3]);
    expect(bits(conv2DBackpropFilterNarrowGemm(backend, gemm, x, dy, info))).toEqual(bits(conv2DBackpropFilterNarrowGemm(backend, oneThread, x, dy, info)));
    tf.dispose([x, dy]);
  });

  it('the matrix product equals the one-thread run bit for bit', () => {
    const a = tf.tensor2d(testValues(256 * 200, 4), [256, 200]);
    const b = tf.tensor2d(testValues(200 * 520, 5), [200, 520]);
    expect(bits(matMulGemm(backend, gemm, a, b))).toEqual(bits(matMulGemm(backend, oneThread, a, b)));
    tf.dispose([a, b]);
  });
});

describe('chunk boundaries', () => {
  it('cut only where allowed, in order, covering every record', () => {
    const bounds = chunkBoundaries(100, 8, (i) => i % 30 === 0);
    expect(bounds).toEqual([0, 30, 60, 90, 100]);
    expect(chunkBoundaries(10, 16, () => true)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(chunkBoundaries(7, 4, () => false)).toEqual([0, 7]);
  });
});
