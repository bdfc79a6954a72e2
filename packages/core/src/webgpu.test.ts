import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { backendInfo, initBackend, resolveBackendName } from './backend.js';
import { leakyRelu } from './layers/activations.js';
import { testValues } from './testing/finiteDifferences.js';
import { expectClose, onCpuAndWebgpu, webgpuSkipReason } from './testing/index.js';
import { type DawnModule, missingLibraries, requestWebGpuAdapter, resolveDawnBackends, WEBGPU_SYNC_READ_ERROR } from './webgpu.js';

/** A Dawn whose every backend finds no adapter, as on a machine without a GPU and without the EGL libraries. */
const noAdapterDawn = (asked: string[][]): DawnModule => ({
  create: (options) => {
    asked.push(options);
    return { requestAdapter: async () => null };
  },
  globals: {},
});

describe('webgpu adapter selection', () => {
  it('webgpu is a backend name; GANBENCH_WEBGPU_BACKEND narrows the Dawn backends, naming the allowed ones', () => {
    expect(resolveBackendName('webgpu', {})).toBe('webgpu');
    expect(resolveBackendName(undefined, { GANBENCH_BACKEND: 'webgpu' })).toBe('webgpu');
    expect(resolveDawnBackends({})).toEqual(['vulkan', 'opengles']);
    expect(resolveDawnBackends({ GANBENCH_WEBGPU_BACKEND: 'opengles' })).toEqual(['opengles']);
    expect(() => resolveDawnBackends({ GANBENCH_WEBGPU_BACKEND: 'metal' })).toThrow(
      "GANBENCH_WEBGPU_BACKEND: unknown Dawn backend 'metal'; allowed: vulkan, opengles",
    );
  });

  it('tries Vulkan, then OpenGL ES at the compatibility level; no adapter fails naming what each needs', async () => {
    const asked: string[][] = [];
    await expect(requestWebGpuAdapter(noAdapterDawn(asked), ['vulkan', 'opengles'], [])).rejects.toThrow(
      "backend 'webgpu': Dawn found no adapter through vulkan or opengles (Vulkan needs libvulkan1 and a driver that Dawn accepts); " +
        'OpenGL ES needs libegl1 libgles2 libegl-mesa0 and an EGL display (EGL_PLATFORM=surfaceless)',
    );
    expect(asked).toEqual([['backend=vulkan'], ['backend=opengles']]);
  });

  it('a missing system library fails at once with the Debian packages to install', async () => {
    const libraries = [
      ['libganbench-absent.so.1', 'libegl1'],
      ['libganbench-absent.so.2', 'libgles2'],
    ] as const;
    expect(missingLibraries(libraries)).toEqual([
      { library: 'libganbench-absent.so.1', debianPackage: 'libegl1' },
      { library: 'libganbench-absent.so.2', debianPackage: 'libgles2' },
    ]);
    // libc is there on any Linux: present libraries are not reported.
    expect(missingLibraries([['libc.so.6', 'libc6']])).toEqual([]);
    await expect(requestWebGpuAdapter(noAdapterDawn([]), ['opengles'], libraries)).rejects.toThrow(
      "cannot be loaded. Install Dawn's OpenGL ES path with: apt-get install libegl1 libgles2 libegl-mesa0 (missing: libegl1, libgles2)",
    );
  });
});

const skipReason = await webgpuSkipReason();

describe.skipIf(skipReason !== null)('webgpu against cpu (software adapter where there is no GPU)', () => {
  it('ganbench info reports the adapter: Dawn backend, limits, software or not', async () => {
    await initBackend('webgpu');
    const info = await backendInfo();
    expect(info.backend).toBe('webgpu');
    expect(info.engineBackend).toBe('webgpu');
    const adapter = info.webgpu;
    expect(adapter).not.toBeNull();
    expect(['vulkan', 'opengles']).toContain(adapter?.dawnBackend);
    expect(adapter?.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    // OpenGL ES through Mesa's llvmpipe is a software rasterizer, and is reported as one.
    if (/llvmpipe/.test(`${adapter?.device}`)) expect(adapter?.software).toBe(true);
  });

  it('a synchronous read of a tensor on the GPU fails saying what to use instead', async () => {
    await initBackend('webgpu');
    // Above WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD (1000 values) the op runs on the GPU, not on a CPU copy.
    const x = tf.add(tf.ones([4096]), 1);
    expect(() => x.dataSync()).toThrow(WEBGPU_SYNC_READ_ERROR);
    expect((await x.data())[4095]).toBe(2);
    x.dispose();
  });

  it('AddN of more tensors than a shader can bind (a global gradient norm) sums like cpu', async () => {
    const { cpu, webgpu } = await onCpuAndWebgpu(() =>
      tf.tidy(() => {
        const terms = Array.from({ length: 40 }, (_, i) => tf.tensor1d(testValues(5, 100 + i)));
        return [tf.addN(terms), tf.addN(terms.slice(0, 3)), tf.addN(terms.slice(0, 16)), tf.addN(terms.slice(0, 17))];
      }),
    );
    for (let i = 0; i < cpu.length; i++) expectClose(webgpu[i] as number[], cpu[i] as number[], { rtol: 1e-5, atol: 1e-5 }, `sum ${i}`);
  });

  it('second order: a WGAN-GP objective through conv, leaky ReLU, pooling, upsampling and a transposed conv', async () => {
    // D(x) = dense(convT(upsample(avgPool(lrelu(conv(x)))))) on 8×8×2 inputs, batch 3: the layer kinds the architectures use.
    const { cpu, webgpu } = await onCpuAndWebgpu(() =>
      tf.tidy(() => {
        const x = tf.tensor4d(testValues(3 * 8 * 8 * 2, 1), [3, 8, 8, 2]);
        const w1 = tf.tensor4d(testValues(3 * 3 * 2 * 4, 2, -0.5, 0.5), [3, 3, 2, 4]);
        const w2 = tf.tensor4d(testValues(3 * 3 * 3 * 4, 3, -0.5, 0.5), [3, 3, 3, 4]);
        const w3 = tf.tensor2d(testValues(8 * 8 * 3, 4, -0.3, 0.3), [8 * 8 * 3, 1]);
        const discriminate = (input: tf.Tensor, a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
          let h = leakyRelu(tf.conv2d(input as tf.Tensor4D, a as tf.Tensor4D, 2, 'same'), 0.2);
          h = tf.avgPool(h as tf.Tensor4D, 2, 2, 'valid');
          h = tf.image.resizeNearestNeighbor(h as tf.Tensor4D, [4, 4]);
          h = tf.conv2dTranspose(h as tf.Tensor4D, b as tf.Tensor4D, [3, 8, 8, 3], 2, 'same');
          return tf.matMul(tf.reshape(leakyRelu(h, 0.2), [3, -1]), c);
        };
        const objective = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
          const gx = tf.grad((input: tf.Tensor) => tf.sum(discriminate(input, a, b, c)))(x);
          const norms = tf.sqrt(tf.add(tf.sum(tf.square(gx), [1, 2, 3]), 1e-12));
          return tf.add(tf.mean(discriminate(x, a, b, c)), tf.mul(10, tf.mean(tf.square(tf.sub(norms, 1))))) as tf.Scalar;
        };
        const { value, grads } = tf.valueAndGrads(objective)([w1, w2, w3]);
        return [value, ...grads];
      }),
    );
    expect(webgpu.length).toBe(4);
    for (let i = 0; i < cpu.length; i++) expectClose(webgpu[i] as number[], cpu[i] as number[], { rtol: 1e-3, atol: 1e-4 }, `output ${i}`);
  });
});
