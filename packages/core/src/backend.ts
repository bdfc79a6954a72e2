import { createRequire } from 'node:module';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core's Node build registers no gradients; the @tensorflow/tfjs bundle registers all of them
// into tfjs-core's global registry (the same one copy of tfjs-core, as tfjs-node relies on).
import '@tensorflow/tfjs';
import { getThreadsCount, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { registerProjectGradients, registerProjectKernels } from './gradients/register.js';

export const BACKEND_NAMES = ['wasm', 'cpu', 'tensorflow', 'tensorflow-gpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export const DEFAULT_BACKEND: BackendName = 'wasm';

/** The optional native backends: npm package per backend name, loaded only when asked for. */
export const OPTIONAL_BACKEND_PACKAGES = {
  tensorflow: '@tensorflow/tfjs-node',
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
} as const satisfies Partial<Record<BackendName, string>>;

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

const require = createRequire(import.meta.url);

/** Installed version of an optional package, or null; never loads it. */
export function installedVersion(packageName: string): string | null {
  try {
    const manifest = require(`${packageName}/package.json`) as { version?: string };
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

/** Selects and initializes a backend once per process; returns its name. */
export async function initBackend(name: BackendName = resolveBackendName(undefined)): Promise<BackendName> {
  registerProjectGradients();
  if (name === 'wasm' || name === 'cpu') registerProjectKernels(name);
  if (name === 'tensorflow' || name === 'tensorflow-gpu') await loadOptionalBackend(name);
  // The cpu backend's one-off advice to install tfjs-node is noise for a user who chose cpu.
  if (name === 'cpu') tf.env().set('PROD', true);
  const engineName = name === 'tensorflow-gpu' ? 'tensorflow' : name;
  if (!(await tf.setBackend(engineName))) throw new Error(`backend '${name}' failed to initialize`);
  await tf.ready();
  initialized = name;
  return name;
}

export interface BackendInfo {
  backend: BackendName | null;
  engineBackend: string;
  versions: { node: string; tfjsCore: string; tfjsBackendWasm: string };
  simd: boolean | null;
  threads: { used: number; available: number; note: string };
  optionalBackends: Record<string, string | null>;
  cpus: { count: number; model: string };
}

export async function backendInfo(): Promise<BackendInfo> {
  const engineBackend = tf.getBackend();
  const onWasm = engineBackend === 'wasm';
  const simd = onWasm ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : null;
  const threadsUsed = onWasm ? getThreadsCount() : 1;
  const cpuList = os.cpus();
  const optionalBackends: Record<string, string | null> = {};
  for (const pkg of Object.values(OPTIONAL_BACKEND_PACKAGES)) optionalBackends[pkg] = installedVersion(pkg);
  return {
    backend: initialized,
    engineBackend,
    versions: { node: process.versions.node, tfjsCore: tf.version_core, tfjsBackendWasm: version_wasm },
    simd,
    threads: {
      used: threadsUsed,
      available: os.availableParallelism(),
      note: onWasm
        ? 'tfjs-backend-wasm disables its pthread build under Node (WASM_HAS_MULTITHREAD_SUPPORT is false when IS_NODE), so XNNPACK runs on one thread'
        : engineBackend === 'cpu'
          ? 'the cpu backend is single-threaded JavaScript'
          : 'TensorFlow C++ chooses its own intra-op thread pool',
    },
    optionalBackends,
    cpus: { count: cpuList.length, model: cpuList[0]?.model ?? 'unknown' },
  };
}
