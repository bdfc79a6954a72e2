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

/**
 * Every Dawn instance created, the ones that found no adapter too. Dawn's Node binding polls an instance's events
 * from a callback it schedules on the event loop with a raw pointer to the instance; once the GPU object is garbage
 * collected, that callback runs on freed memory (a core dump showed the crash in CallbackTaskManager::Flush under
 * AsyncRunner::ScheduleProcessEvents, after the Vulkan attempt's object was dropped). Keeping them alive avoids that.
 */
const liveDawnInstances: DawnGpu[] = [];

function createDawnInstance(dawn: DawnModule, flags: string[]): DawnGpu {
  // Dawn's OpenGL ES backend needs an EGL display; without a window system, Mesa's surfaceless platform gives one.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  const gpu = dawn.create(flags);
  liveDawnInstances.push(gpu);
  return gpu;
}

function adapterOptions(backend: DawnBackend): Record<string, string> {
  // OpenGL ES offers WebGPU's compatibility level only; asked for core, Dawn reports no adapter.
  return backend === 'opengles' ? { powerPreference: 'high-performance', featureLevel: 'compatibility' } : { powerPreference: 'high-performance' };
}

/** The adapter names in the list Dawn's Node binding puts in its error when no adapter has the name asked for. */
export function parseDawnAdapterList(message: string): string[] {
  return [...message.matchAll(/^ \* backend: '[^']*', name: '(.*)'$/gm)].map((m) => m[1] as string);
}

/**
 * The adapters of one Dawn backend, in Dawn's order (its sort by power preference). The binding has no call that
 * lists them; asked for a name no adapter has, it rejects with the list, which is read here.
 */
export async function listWebGpuAdapters(dawn: DawnModule, backend: DawnBackend): Promise<string[]> {
  const gpu = createDawnInstance(dawn, [`backend=${backend}`, 'adapter=\u0001ganbench: list the adapters']);
  try {
    // Resolved: this backend has no adapter at all.
    await gpu.requestAdapter(adapterOptions(backend));
    return [];
  } catch (error) {
    return parseDawnAdapterList(String((error as Error).message ?? error));
  }
}

/** `GANBENCH_WEBGPU_GPU`: the index of the GPU a sweep worker runs on (`--gpus` with webgpu); unset, Dawn's first. */
export const WEBGPU_GPU_ENV = 'GANBENCH_WEBGPU_GPU';

/**
 * The name that selects GPU `index` of `names` (Dawn's adapters, in its order). Dawn's Node binding selects by a
 * substring of the name and takes the first match, so GPU i can be selected only when no GPU before it has its name.
 */
export function adapterNameForGpu(names: readonly string[], index: number): string {
  const name = names[index];
  if (name === undefined) {
    const found = names.length === 0 ? 'none' : names.map((n, i) => `${i} '${n}'`).join(', ');
    throw new Error(`--gpus: GPU ${index} is not allowed with webgpu: Dawn's adapters are ${found}`);
  }
  const first = names.indexOf(name);
  if (first < index) {
    throw new Error(
      `--gpus: GPU ${index} cannot be selected with webgpu: GPUs ${first} and ${index} are both '${name}', and Dawn's Node binding ` +
        `(webgpu 0.6.2) selects an adapter only by name. Run one sweep per GPU where only that GPU is visible ` +
        `(a container: docker run --gpus device=${index} with NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics), ` +
        'or let the cluster give each trial its GPU (--slurm/--k8s --gpus-per-trial 1); see docs/backends.md#gpus',
    );
  }
  return name;
}

/** The first Dawn backend in `backends` that has adapters, with their names in Dawn's order (none: the first backend, []). */
async function firstBackendAdapters(dawn: DawnModule, backends: readonly DawnBackend[]): Promise<{ backend: DawnBackend; names: string[] }> {
  for (const backend of backends) {
    const names = await listWebGpuAdapters(dawn, backend);
    if (names.length > 0) return { backend, names };
  }
  return { backend: backends[0] as DawnBackend, names: [] };
}

/** The `webgpu` package (dawn.node), loaded on demand. */
async function loadDawn(): Promise<DawnModule> {
  // A variable specifier keeps TypeScript and bundlers from resolving it at build time.
  const dawnSpecifier: string = 'webgpu';
  return (await import(dawnSpecifier)) as DawnModule;
}

/** Checks, before a sweep starts, that each GPU of `--gpus` can be selected on webgpu (loads Dawn to list adapters). */
export async function checkWebGpuGpus(indices: readonly number[]): Promise<void> {
  const { names } = await firstBackendAdapters(await loadDawn(), resolveDawnBackends());
  for (const index of indices) adapterNameForGpu(names, index);
}

/** Parses GANBENCH_WEBGPU_GPU: a GPU index, or undefined when unset. */
export function webgpuGpuFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const value = env[WEBGPU_GPU_ENV];
  if (value === undefined || value === '') return undefined;
  const index = Number(value);
  if (!Number.isInteger(index) || index < 0) throw new Error(`${WEBGPU_GPU_ENV}: '${value}' is not allowed; must be a GPU index (an integer ≥ 0)`);
  return index;
}

/**
 * Finds the first Dawn backend with an adapter (GPU `GANBENCH_WEBGPU_GPU` of it when set); fails naming the Debian
 * packages when a library is missing.
 */
export async function requestWebGpuAdapter(
  dawn: DawnModule,
  backends: readonly DawnBackend[] = resolveDawnBackends(),
  libraries: readonly (readonly [string, string])[] = GLES_LIBRARIES,
): Promise<{ gpu: DawnGpu; adapter: DawnAdapter; info: WebGpuAdapter }> {
  const gpuIndex = webgpuGpuFromEnv();
  if (gpuIndex !== undefined) {
    const { backend, names } = await firstBackendAdapters(dawn, backends);
    const name = adapterNameForGpu(names, gpuIndex);
    const gpu = createDawnInstance(dawn, [`backend=${backend}`, `adapter=${name}`]);
    const adapter = await gpu.requestAdapter(adapterOptions(backend));
    if (adapter !== null) return { gpu, adapter, info: describeAdapter(adapter, backend) };
  }
  for (const backend of backends) {
    const gpu = createDawnInstance(dawn, [`backend=${backend}`]);
    const adapter = await gpu.requestAdapter(adapterOptions(backend));
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
  const dawn = await loadDawn();
  const backendSpecifier: string = '@tensorflow/tfjs-backend-webgpu';
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
