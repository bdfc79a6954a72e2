import { type DataId, getKernel, type KernelConfig, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';

/** The parts of tfjs-backend-wasm's BackendWasm our kernels use (the class is not exported with types we can import without a cycle). */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  disposeData(dataId: object, force?: boolean): boolean;
  incRef(dataId: DataId): void;
}

/** The kernels tfjs-backend-wasm shipped, kept when the project installs its own over them. */
const shippedKernels = new Map<string, KernelConfig>();

export function rememberShippedKernel(config: KernelConfig): void {
  if (!shippedKernels.has(config.kernelName)) shippedKernels.set(config.kernelName, config);
}

/**
 * Runs a wasm kernel directly, as tfjs backends compose kernels, off the gradient tape: the one
 * tfjs shipped where the project replaced it (so a replacement can fall back on it), else the registered one.
 */
export function runWasmKernel(backend: WasmBackend, kernelName: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo {
  const kernel = shippedKernels.get(kernelName) ?? getKernel(kernelName, 'wasm');
  if (kernel === undefined) throw new Error(`wasm kernel ${kernelName} is not registered`);
  const out = kernel.kernelFunc({ inputs, backend: backend as never, attrs });
  if (Array.isArray(out)) throw new Error(`wasm kernel ${kernelName} returned several outputs`);
  return out;
}

/**
 * Runs `body`, which composes kernels and passes each intermediate through `keep`; disposes the
 * kept intermediates afterwards, whether `body` returns or throws. The result must not be kept.
 */
export function withTemporaries<T>(backend: WasmBackend, body: (keep: (t: TensorInfo) => TensorInfo) => T): T {
  const temporaries: TensorInfo[] = [];
  try {
    return body((t) => {
      temporaries.push(t);
      return t;
    });
  } finally {
    for (const t of temporaries) backend.disposeData(t.dataId);
  }
}

/** Crops `[before, after]` rows where they are negative and returns the non-negative padding left over. */
export function cropAmounts(
  before: number,
  after: number,
): {
  cropBefore: number;
  cropAfter: number;
  padBefore: number;
  padAfter: number;
} {
  return {
    cropBefore: Math.max(0, -before),
    cropAfter: Math.max(0, -after),
    padBefore: Math.max(0, before),
    padAfter: Math.max(0, after),
  };
}

/** Slices a 4-D tensor along axes 1 and 2; returns the input itself when nothing is cropped. */
export function cropSpatial(
  backend: WasmBackend,
  x: TensorInfo,
  rows: { cropBefore: number; cropAfter: number },
  cols: { cropBefore: number; cropAfter: number },
): { info: TensorInfo; owned: boolean } {
  if (rows.cropBefore + rows.cropAfter + cols.cropBefore + cols.cropAfter === 0) return { info: x, owned: false };
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const info = runWasmKernel(
    backend,
    'Slice',
    { x },
    {
      begin: [0, rows.cropBefore, cols.cropBefore, 0],
      size: [n, h - rows.cropBefore - rows.cropAfter, w - cols.cropBefore - cols.cropAfter, c],
    },
  );
  return { info, owned: true };
}
