import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { backendInfo, initBackend, resolveBackendName } from './backend.js';
import { leakyRelu } from './layers/activations.js';
import { testValues } from './testing/finiteDifferences.js';
import { expectClose, onCpuAndWebgpu, webgpuSkipReason } from './testing/index.js';
import {
  adapterNameForGpu,
  type DawnAdapter,
  type DawnModule,
  listWebGpuAdapters,
  missingLibraries,
  parseDawnAdapterList,
  requestWebGpuAdapter,
  resolveDawnBackends,
  WEBGPU_GPU_ENV,
  WEBGPU_SYNC_READ_ERROR,
} from './webgpu.js';

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

/**
 * A Dawn with these Vulkan adapters, selecting as its Node binding does: the first adapter whose name contains the
 * `adapter=` flag, and when none does, a rejection that lists them all.
 */
function dawnWithAdapters(names: readonly string[], created: string[][]): DawnModule {
  return {
    create: (flags) => {
      created.push(flags);
      const wanted = flags.find((f) => f.startsWith('adapter='))?.slice('adapter='.length) ?? '';
      return {
        requestAdapter: async () => {
          if (!flags.includes('backend=vulkan') || names.length === 0) return null;
          const name = names.find((n) => n.includes(wanted));
          if (name === undefined)
            throw new Error(
              `no adapter with backend 'vulkan' and name '${wanted}' found\nAvailable adapters:${names.map((n) => `\n * backend: 'vulkan', name: '${n}'`).join('')}`,
            );
          return {
            info: { vendor: 'nvidia', architecture: '', device: name, description: '', isFallbackAdapter: false },
            limits: {},
            features: { has: () => false },
          } as unknown as DawnAdapter;
        },
      };
    },
    globals: {},
  };
}

describe('--gpus with webgpu: worker i selects GPU i by its adapter name', () => {
  const names = ['NVIDIA H100 80GB HBM3', 'NVIDIA H100 80GB HBM3', 'NVIDIA A100-SXM4-40GB'];

  it("reads the adapter list from the binding's error, in Dawn's order", async () => {
    expect(await listWebGpuAdapters(dawnWithAdapters(names, []), 'vulkan')).toEqual(names);
    expect(await listWebGpuAdapters(dawnWithAdapters(names, []), 'opengles')).toEqual([]);
    expect(parseDawnAdapterList("no adapter found\nAvailable adapters:\n * backend: 'opengles', name: 'llvmpipe (LLVM 15.0.6, 256 bits)'")).toEqual([
      'llvmpipe (LLVM 15.0.6, 256 bits)',
    ]);
  });

  it('a GPU is selectable when no GPU before it has its name; otherwise the message says why and what to do', () => {
    expect(adapterNameForGpu(names, 0)).toBe('NVIDIA H100 80GB HBM3');
    expect(adapterNameForGpu(names, 2)).toBe('NVIDIA A100-SXM4-40GB');
    expect(() => adapterNameForGpu(names, 1)).toThrow(
      "--gpus: GPU 1 cannot be selected with webgpu: GPUs 0 and 1 are both 'NVIDIA H100 80GB HBM3', and Dawn's Node binding (webgpu 0.6.2) selects an adapter only by name",
    );
    expect(() => adapterNameForGpu(names, 3)).toThrow(
      "--gpus: GPU 3 is not allowed with webgpu: Dawn's adapters are 0 'NVIDIA H100 80GB HBM3', 1 'NVIDIA H100 80GB HBM3', 2 'NVIDIA A100-SXM4-40GB'",
    );
  });

  it('GANBENCH_WEBGPU_GPU makes the worker ask Dawn for that adapter by name', async () => {
    const previous = process.env[WEBGPU_GPU_ENV];
    try {
      process.env[WEBGPU_GPU_ENV] = '2';
      const created: string[][] = [];
      const { info } = await requestWebGpuAdapter(dawnWithAdapters(names, created), ['vulkan', 'opengles'], []);
      expect(info.device).toBe('NVIDIA A100-SXM4-40GB');
      expect(created.at(-1)).toEqual(['backend=vulkan', 'adapter=NVIDIA A100-SXM4-40GB']);
      process.env[WEBGPU_GPU_ENV] = 'one';
      await expect(requestWebGpuAdapter(dawnWithAdapters(names, []), ['vulkan'], [])).rejects.toThrow(
        `${WEBGPU_GPU_ENV}: 'one' is not allowed; must be a GPU index (an integer ≥ 0)`,
      );
    } finally {
      if (previous === undefined) delete process.env[WEBGPU_GPU_ENV];
      else process.env[WEBGPU_GPU_ENV] = previous;
    }
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
