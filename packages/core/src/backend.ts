import { createRequire } from 'node:module';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core's Node build registers no gradients; the @tensorflow/tfjs bundle registers all of them
// into tfjs-core's global registry (the same one copy of tfjs-core, as tfjs-node relies on).
import '@tensorflow/tfjs';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { registerProjectGradients, registerProjectKernels } from './gradients/register.js';
import { sgemmFor } from './kernels/wasm/sgemm.js';
import { MAX_WASM_THREADS, setWasmBackend, wasmKernelThreads, wasmThreadsSupported } from './wasmThreads.js';
import { registerWebGpuBackend, type WebGpuAdapter, webgpuAdapter } from './webgpu.js';

export const BACKEND_NAMES = ['wasm', 'cpu', 'webgpu', 'tensorflow', 'tensorflow-gpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export const DEFAULT_BACKEND: BackendName = 'wasm';

/** The optional native backends: npm package per backend name, loaded only when asked for. */
export const OPTIONAL_BACKEND_PACKAGES = {
  tensorflow: '@tensorflow/tfjs-node',
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
} as const satisfies Partial<Record<BackendName, string>>;

/** The webgpu backend's packages (regular dependencies, loaded only when webgpu is asked for). */
export const WEBGPU_PACKAGES = ['@tensorflow/tfjs-backend-webgpu', 'webgpu'] as const;

export function isBackendName(value: string): value is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(value);
}

/** `--backend` wins over `GANBENCH_BACKEND`, which wins over the default. */
export function resolveBackendName(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): BackendName {
  const [source, value] = flag !== undefined ? ['--backend', flag] : ['GANBENCH_BACKEND', env.GANBENCH_BACKEND];
  if (value === undefined || value === '') return DEFAULT_BACKEND;
  if (!isBackendName(value)) {
    throw new Error(`${source}: unknown backend '${value}'; allowed: ${BACKEND_NAMES.join(', ')}`);
  }
  return value;
}

/** `--threads` wins over `GANBENCH_THREADS`; by default every core, up to the 8 the wasm build can use. */
export function resolveThreads(flag: string | number | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const [source, value] = flag !== undefined ? ['--threads', String(flag)] : ['GANBENCH_THREADS', env.GANBENCH_THREADS];
  if (value === undefined || value === '') return Math.min(os.availableParallelism(), MAX_WASM_THREADS);
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS) {
    throw new Error(`${source}: '${value}' is not a thread count; allowed: an integer from 1 to ${MAX_WASM_THREADS}`);
  }
  return threads;
}

const require = createRequire(import.meta.url);

/** Installed version of an optional package, or null; never loads it. */
export function installedVersion(packageName: string): string | null {
  try {
    const manifest = require(`${packageName}/package.json`) as {
      version?: string;
    };
    return manifest.version ?? null;
  } catch {
    return null;
  }
}

function installCommand(packageName: string): string {
  return `pnpm add -w ${packageName}@${tf.version_core}`;
}

async function loadOptionalBackend(name: keyof typeof OPTIONAL_BACKEND_PACKAGES): Promise<void> {
  const packageName = OPTIONAL_BACKEND_PACKAGES[name];
  if (installedVersion(packageName) === null) {
    throw new Error(
      `backend '${name}' needs ${packageName}, which is not installed. Install it with: ${installCommand(packageName)}` +
        (name === 'tensorflow-gpu' ? ' (needs CUDA and cuDNN as TensorFlow requires)' : ''),
    );
  }
  // A variable specifier keeps TypeScript and bundlers from resolving a package that may be absent.
  const specifier: string = packageName;
  await import(specifier);
}

let initialized: BackendName | null = null;

/** tf.setBackend logs a failed factory's error and returns false; this hands the error (e.g. the missing packages) to the caller. */
async function setBackendOrThrow(name: string): Promise<boolean> {
  const factory = tf.findBackendFactory(name);
  if (factory !== null && tf.findBackend(name) === null) {
    const backend = await factory();
    tf.removeBackend(name);
    tf.registerBackend(name, () => backend);
  }
  return tf.setBackend(name);
}

export interface InitOptions {
  /** Threads of the project's kernels on wasm (XNNPACK keeps one), fixed once per process by the first wasm initialization. */
  threads?: number;
}

/** Selects and initializes a backend; returns its name. */
export async function initBackend(
  name: BackendName = resolveBackendName(undefined),
  { threads = resolveThreads(undefined) }: InitOptions = {},
): Promise<BackendName> {
  registerProjectGradients();
  if (name === 'wasm' || name === 'cpu') registerProjectKernels(name);
  if (name === 'tensorflow' || name === 'tensorflow-gpu') await loadOptionalBackend(name);
  if (name === 'webgpu') {
    for (const pkg of WEBGPU_PACKAGES) {
      if (installedVersion(pkg) === null) throw new Error(`backend 'webgpu' needs ${pkg}, which is not installed. Install it with: pnpm install`);
    }
    await registerWebGpuBackend();
    registerProjectKernels('webgpu');
  }
  // The cpu backend's one-off advice to install tfjs-node is noise for a user who chose cpu.
  if (name === 'cpu') tf.env().set('PROD', true);
  const engineName = name === 'tensorflow-gpu' ? 'tensorflow' : name;
  const selected =
    engineName === 'wasm' ? await setWasmBackend(threads) : engineName === 'webgpu' ? await setBackendOrThrow(engineName) : await tf.setBackend(engineName);
  if (!selected) throw new Error(`backend '${name}' failed to initialize`);
  await tf.ready();
  initialized = name;
  return name;
}

export interface BackendInfo {
  backend: BackendName | null;
  engineBackend: string;
  versions: { node: string; tfjsCore: string; tfjsBackendWasm: string };
  simd: boolean | null;
  /** The project's GEMM tile on wasm (convolutions, their gradients, products): relaxed SIMD (FMA) or plain SIMD; null off wasm or without it. */
  gemmTile: 'relaxed-simd' | 'simd' | null;
  threads: { used: number; available: number; note: string };
  optionalBackends: Record<string, string | null>;
  cpus: { count: number; model: string };
  /** The WebGPU adapter, on the webgpu backend. */
  webgpu: WebGpuAdapter | null;
}

function wasmThreadNote(threadsUsed: number): string {
  if (threadsUsed > 1)
    return `the project's GEMM tile on as many threads over the pthread build's shared memory (run under Node by ganbench's shim; tfjs turns it off there), XNNPACK on one; set with --threads or GANBENCH_THREADS`;
  if (!wasmThreadsSupported()) return 'single-threaded SIMD build: this runtime lacks SharedArrayBuffer/Atomics';
  return 'single-threaded SIMD build (--threads 1, GANBENCH_THREADS=1 or a 1-core machine)';
}

export async function backendInfo(): Promise<BackendInfo> {
  const engineBackend = tf.getBackend();
  const onWasm = engineBackend === 'wasm';
  const simd = onWasm ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : null;
  const threadsUsed = onWasm ? wasmKernelThreads() : 1;
  const cpuList = os.cpus();
  const optionalBackends: Record<string, string | null> = {};
  for (const pkg of [...Object.values(OPTIONAL_BACKEND_PACKAGES), ...WEBGPU_PACKAGES]) optionalBackends[pkg] = installedVersion(pkg);
  return {
    backend: initialized,
    engineBackend,
    versions: {
      node: process.versions.node,
      tfjsCore: tf.version_core,
      tfjsBackendWasm: version_wasm,
    },
    simd,
    gemmTile: onWasm ? (sgemmFor(tf.backend())?.variant ?? null) : null,
    threads: {
      used: threadsUsed,
      available: os.availableParallelism(),
      note: onWasm
        ? wasmThreadNote(threadsUsed)
        : engineBackend === 'cpu'
          ? 'the cpu backend is single-threaded JavaScript'
          : engineBackend === 'webgpu'
            ? 'kernels run on the WebGPU adapter (below); JavaScript drives it from one thread'
            : 'TensorFlow C++ chooses its own intra-op thread pool',
    },
    optionalBackends,
    cpus: { count: cpuList.length, model: cpuList[0]?.model ?? 'unknown' },
    webgpu: engineBackend === 'webgpu' ? webgpuAdapter() : null,
  };
}
