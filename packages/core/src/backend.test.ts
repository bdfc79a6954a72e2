import os from 'node:os';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { backendInfo, initBackend, resolveBackendName, resolveThreads } from './backend.js';
import { sgemmFor } from './kernels/wasm/sgemm.js';
import { MAX_WASM_THREADS } from './wasmThreads.js';

describe('backend selection', () => {
  it('--backend wins over GANBENCH_BACKEND, which wins over wasm', () => {
    expect(resolveBackendName('cpu', { GANBENCH_BACKEND: 'wasm' })).toBe('cpu');
    expect(resolveBackendName(undefined, { GANBENCH_BACKEND: 'cpu' })).toBe('cpu');
    expect(resolveBackendName(undefined, {})).toBe('wasm');
    expect(() => resolveBackendName('gpu', {})).toThrow("--backend: unknown backend 'gpu'; allowed: wasm, cpu, webgpu, tensorflow, tensorflow-gpu");
  });

  it('--threads wins over GANBENCH_THREADS; the default is every core up to 8; bad counts name the source', () => {
    expect(resolveThreads(3, { GANBENCH_THREADS: '2' })).toBe(3);
    expect(resolveThreads(undefined, { GANBENCH_THREADS: '2' })).toBe(2);
    expect(resolveThreads(undefined, {})).toBe(Math.min(os.availableParallelism(), MAX_WASM_THREADS));
    expect(() => resolveThreads('0', {})).toThrow("--threads: '0' is not a thread count; allowed: an integer from 1 to 8");
    expect(() => resolveThreads(undefined, { GANBENCH_THREADS: 'many' })).toThrow("GANBENCH_THREADS: 'many'");
  });

  it("wasm runs the project's kernels on the resolved thread count, XNNPACK on one, and says so", async () => {
    const threads = resolveThreads(undefined, {});
    await initBackend('wasm', { threads });
    const info = await backendInfo();
    expect(info.engineBackend).toBe('wasm');
    expect(info.threads.used).toBe(threads);
    expect(sgemmFor(tf.backend())?.threads).toBe(Math.min(threads, os.availableParallelism()));
    expect(getThreadsCount()).toBe(1);
    expect(info.simd).toBe(true);
    // A product spread over the pool still gives the exact small-integer answer.
    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const product = tf.matMul(a, a, false, true);
    expect(Array.from(product.dataSync())).toEqual([14, 32, 32, 77]);
    tf.dispose([a, product]);
  });
});
