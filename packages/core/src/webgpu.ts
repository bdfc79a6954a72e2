import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The `webgpu` backend: tfjs-backend-webgpu on Dawn through the `webgpu` npm package (a prebuilt dawn.node).
 * Dawn's adapters are tried in this order: a GPU through Vulkan, then OpenGL ES (EGL, surfaceless), which on a
 * machine without a GPU is Mesa's llvmpipe, a software rasterizer. `GANBENCH_WEBGPU_BACKEND` picks one of them.
 */
export const DAWN_BACKENDS = ['vulkan', 'opengles'] as const;
export type DawnBackend = (typeof DAWN_BACKENDS)[number];

/** Debian packages that give Dawn its OpenGL ES path (EGL and GLES loaders, Mesa's EGL vendor library). */
export const WEBGPU_DEBIAN_PACKAGES = ['libegl1', 'libgles2', 'libegl-mesa0'] as const;
/** The shared libraries those packages provide, which Dawn opens at run time, with their package. */
const GLES_LIBRARIES: readonly (readonly [library: string, debianPackage: string])[] = [
  ['libEGL.so.1', 'libegl1'],
  ['libGLESv2.so.2', 'libgles2'],
  ['libEGL_mesa.so.0', 'libegl-mesa0'],
];

export interface WebGpuAdapter {
  dawnBackend: DawnBackend;
  /** WebGPU's feature level: `core`, or `compatibility` (what OpenGL ES offers). */
  featureLevel: 'core' | 'compatibility';
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software rasterizer (llvmpipe, lavapipe, SwiftShader) rather than a GPU. */
  software: boolean;
  limits: Record<string, number>;
}

/** `GANBENCH_WEBGPU_BACKEND` restricts the adapter search to one Dawn backend; unset, both are tried in order. */
export function resolveDawnBackends(env: NodeJS.ProcessEnv = process.env): readonly DawnBackend[] {
  const value = env.GANBENCH_WEBGPU_BACKEND;
  if (value === undefined || value === '') return DAWN_BACKENDS;
  if (!(DAWN_BACKENDS as readonly string[]).includes(value)) {
    throw new Error(`GANBENCH_WEBGPU_BACKEND: unknown Dawn backend '${value}'; allowed: ${DAWN_BACKENDS.join(', ')} (unset: both, in that order)`);
  }
  return [value as DawnBackend];
}

/** Loads each library as Node would a native module: a missing one fails to open, a present one fails to self-register. */
export function missingLibraries(libraries: readonly (readonly [string, string])[] = GLES_LIBRARIES): { library: string; debianPackage: string }[] {
  const missing: { library: string; debianPackage: string }[] = [];
  for (const [library, debianPackage] of libraries) {
    try {
      process.dlopen({ exports: {} }, library, os.constants.dlopen.RTLD_LAZY);
    } catch (error) {
      if (/cannot open shared object file/.test(String((error as Error).message))) missing.push({ library, debianPackage });
    }
  }
  return missing;
}

const SOFTWARE_RASTERIZERS = /llvmpipe|lavapipe|softpipe|swiftshader/i;

function describeAdapter(adapter: DawnAdapter, dawnBackend: DawnBackend): WebGpuAdapter {
  const info = adapter.info;
  const limits: Record<string, number> = {};
  // The limits are getters on the prototype, so Object.keys on the object finds none.
  for (const key of Object.keys(Object.getOwnPropertyDescriptors(Object.getPrototypeOf(adapter.limits)))) {
    const value: unknown = adapter.limits[key];
    if (typeof value === 'number') limits[key] = value;
  }
  return {
    dawnBackend,
    featureLevel: dawnBackend === 'opengles' ? 'compatibility' : 'core',
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    software: info.isFallbackAdapter || SOFTWARE_RASTERIZERS.test(`${info.device} ${info.description}`),
    limits,
  };
}

/** What ganbench uses of the WebGPU API, declared here so that no WebGPU type package is needed to compile. */
export interface DawnAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}
export interface DawnAdapter {
  info: DawnAdapterInfo;
  limits: Record<string, number>;
  features: { has(name: string): boolean };
  requestDevice(descriptor: { requiredFeatures: string[]; requiredLimits: Record<string, number | undefined> }): Promise<unknown>;
}
export interface DawnGpu {
  requestAdapter(options: Record<string, string>): Promise<DawnAdapter | null>;
}
export interface DawnModule {
  create(options: string[]): DawnGpu;
  globals: Record<string, unknown>;
}

/** Finds the first Dawn backend with an adapter; fails naming the Debian packages when a library is missing. */
export async function requestWebGpuAdapter(
  dawn: DawnModule,
  backends: readonly DawnBackend[] = resolveDawnBackends(),
  libraries: readonly (readonly [string, string])[] = GLES_LIBRARIES,
): Promise<{ gpu: DawnGpu; adapter: DawnAdapter; info: WebGpuAdapter }> {
  // Dawn's OpenGL ES backend needs an EGL display; without a window system, Mesa's surfaceless platform gives one.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  for (const backend of backends) {
    const gpu = dawn.create([`backend=${backend}`]);
    const options: Record<string, string> = { powerPreference: 'high-performance' };
    // OpenGL ES offers WebGPU's compatibility level only; asked for core, Dawn reports no adapter.
    if (backend === 'opengles') options.featureLevel = 'compatibility';
    const adapter = await gpu.requestAdapter(options);
    if (adapter !== null) return { gpu, adapter, info: describeAdapter(adapter, backend) };
  }
  const missing = backends.includes('opengles') ? missingLibraries(libraries) : [];
  if (missing.length > 0) {
    throw new Error(
      `backend 'webgpu': no WebGPU adapter, and ${missing.map((m) => m.library).join(', ')} cannot be loaded. ` +
        `Install Dawn's OpenGL ES path with: apt-get install ${WEBGPU_DEBIAN_PACKAGES.join(' ')} ` +
        `(missing: ${missing.map((m) => m.debianPackage).join(', ')}); a GPU also needs libvulkan1 and its Vulkan driver`,
    );
  }
  throw new Error(
    `backend 'webgpu': Dawn found no adapter through ${backends.join(' or ')}` +
      (backends.includes('vulkan') ? ' (Vulkan needs libvulkan1 and a driver that Dawn accepts)' : '') +
      (backends.includes('opengles') ? `; OpenGL ES needs ${WEBGPU_DEBIAN_PACKAGES.join(' ')} and an EGL display (EGL_PLATFORM=surfaceless)` : ''),
  );
}

/** What a synchronous read (dataSync, arraySync) of a tensor on the GPU fails with under Node. */
export const WEBGPU_SYNC_READ_ERROR =
  "backend 'webgpu': this code reads a tensor synchronously (dataSync/arraySync), which WebGPU cannot do under Node; " +
  'read with await data()/array() (the training loop: stepAsync; the Dirac-GAN: runDiracAsync)';

let selectedAdapter: WebGpuAdapter | null = null;
let registered = false;

/** The adapter the webgpu backend runs on, once initialized. */
export function webgpuAdapter(): WebGpuAdapter | null {
  return selectedAdapter;
}

/**
 * Registers the `webgpu` backend on Dawn. tfjs-backend-webgpu registers its own factory only where `navigator.gpu`
 * exists (not in Node), and that factory asks for an adapter without the compatibility level OpenGL ES needs, so the
 * factory here replaces it: the same device setup, on the adapter `requestWebGpuAdapter` finds.
 */
export async function registerWebGpuBackend(): Promise<void> {
  // Once per process: registering again would dispose the backend (and its device) that tensors live on.
  if (registered) return;
  registered = true;
  // A variable specifier keeps TypeScript and bundlers from resolving these at build time; they load on demand.
  const dawnSpecifier: string = 'webgpu';
  const backendSpecifier: string = '@tensorflow/tfjs-backend-webgpu';
  const dawn = (await import(dawnSpecifier)) as DawnModule;
  // tfjs-backend-webgpu reads GPUBufferUsage, GPUMapMode and GPUTextureUsage as globals, as in a browser.
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  const { WebGPUBackend } = (await import(backendSpecifier)) as {
    WebGPUBackend: new (device: unknown, adapterInfo?: DawnAdapterInfo) => tf.KernelBackend;
  };
  if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', async () => {
    const { gpu, adapter, info } = await requestWebGpuAdapter(dawn);
    // The backend checks for navigator.gpu, as in a browser (Node 20 has no navigator; Node 21+ one without gpu).
    const global = globalThis as { navigator?: object };
    if (global.navigator === undefined) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
    Object.defineProperty(global.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
    const limits = adapter.limits;
    const requiredFeatures: string[] = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
    const device = await adapter.requestDevice({
      requiredFeatures,
      requiredLimits: {
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
        maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
        // What tfjs-backend-webgpu asks for, plus the storage buffers a shader may bind (AddN, Concat split by it).
        maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
      },
    });
    selectedAdapter = info;
    const backend = new WebGPUBackend(device, adapter.info);
    // A browser reads a GPU buffer synchronously through an OffscreenCanvas; Node has none, and Dawn maps buffers only
    // asynchronously. Say so instead of failing with "OffscreenCanvas is not defined".
    const readSync = backend.readSync.bind(backend);
    backend.readSync = (dataId) => {
      try {
        return readSync(dataId);
      } catch (error) {
        if (error instanceof ReferenceError && /OffscreenCanvas/.test(error.message)) throw new Error(WEBGPU_SYNC_READ_ERROR);
        throw error;
      }
    };
    return backend;
  });
}
