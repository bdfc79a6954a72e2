import { backend_util, Conv2DBackpropInput, type Conv2DBackpropInputAttrs, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { conv2DWasm } from './Conv2D.js';
import { throughPadded, tileChannels } from './channelPad.js';
import { conv2DBackpropInputGemm, conv2DBackpropInputGemmApplies } from './conv_gemm.js';
import { sgemmFor } from './sgemm.js';
import { type SubPixelPhase, subPixelPhases } from './subPixel.js';
import { cropAmounts, cropSpatial, runWasmKernel, type WasmBackend } from './wasm_kernel_util.js';

/**
 * Conv2DBackpropInput (the transposed convolution) on wasm, where the shipped kernel is a naive loop: on the project's
 * tile (conv_gemm.ts) for whole tiles of dx channels, by col2im for an image's few channels, else on the tile with the
 * channels padded to whole tiles.
 */
export function conv2DBackpropInputWasm(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: WasmBackend;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
  if (backend_util.convertConv2DDataFormat(dataFormat) !== 'channelsLast') {
    throw new Error(`Conv2DBackpropInput on wasm supports dataFormat 'NHWC' only, got '${dataFormat}'`);
  }
  const info = backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode);
  const gemm = sgemmFor(backend);
  if (gemm !== null && conv2DBackpropInputGemmApplies(info)) return conv2DBackpropInputGemm(backend, gemm, dy, filter, info);
  // an image's few dx channels go to col2im there
  if (gemm === null || info.filterHeight * info.filterWidth * info.inChannels <= COL2IM_MAX_PATCH)
    return conv2DBackpropInputWithoutTile(backend, dy, filter, info);
  // dx channels short of whole tiles (minibatch stddev's extra channel): the filter padded with zero input channels, their columns of dx dropped
  const ci = tileChannels(info.inChannels);
  return throughPadded(backend, filter, 2, ci, info.inChannels, (padded) => conv2DBackpropInputGemm(backend, gemm, dy, padded, { ...info, inChannels: ci }));
}

/** The transposed convolution where the tile cannot run (no wasm SIMD): col2im for few taps × channels, else one XNNPACK convolution per phase. */
export function conv2DBackpropInputWithoutTile(backend: WasmBackend, dy: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, inChannels, outChannels } = info;
  if (kh * kw * inChannels <= COL2IM_MAX_PATCH) return conv2DBackpropInputCol2im(backend, dy, filter, info);
  const { batchSize: batch, inHeight: height, inWidth: width } = info;
  const [, dyHeight, dyWidth] = dy.shape as [number, number, number, number];
  const qh = Math.ceil(height / sh);
  const qw = Math.ceil(width / sw);
  const rowPhases = subPixelPhases(dyHeight, kh, sh, info.padInfo.top, qh);
  const colPhases = subPixelPhases(dyWidth, kw, sw, info.padInfo.left, qw);

  const out = backend.makeOutput([batch, height, width, inChannels], 'float32');
  const phaseOutputs: { rh: number; rw: number; info: TensorInfo | null }[] = [];
  try {
    for (let rh = 0; rh < sh; rh++) {
      for (let rw = 0; rw < sw; rw++) {
        const rp = rowPhases[rh] as SubPixelPhase;
        const cp = colPhases[rw] as SubPixelPhase;
        if (rp.taps === 0 || cp.taps === 0) {
          phaseOutputs.push({ rh, rw, info: null });
          continue;
        }
        const subFilter = backend.makeOutput([rp.taps, cp.taps, outChannels, inChannels], 'float32');
        const w = backend.typedArrayFromHeap(filter);
        const g = backend.typedArrayFromHeap(subFilter);
        // G[th,tw,co,ci] = W[k0h + sh·(Jh−1−th), k0w + sw·(Jw−1−tw), ci, co]
        for (let th = 0; th < rp.taps; th++) {
          const fh = rp.firstTap + sh * (rp.taps - 1 - th);
          for (let tw = 0; tw < cp.taps; tw++) {
            const fw = cp.firstTap + sw * (cp.taps - 1 - tw);
            const src = (fh * kw + fw) * inChannels * outChannels;
            const dst = (th * cp.taps + tw) * outChannels * inChannels;
            for (let ci = 0; ci < inChannels; ci++) {
              for (let co = 0; co < outChannels; co++) {
                g[dst + co * inChannels + ci] = w[src + ci * outChannels + co] as number;
              }
            }
          }
        }
        const rows = cropAmounts(rp.padBefore, rp.padAfter);
        const cols = cropAmounts(cp.padBefore, cp.padAfter);
        const cropped = cropSpatial(backend, dy, rows, cols);
        try {
          const phase = conv2DWasm({
            backend,
            inputs: { x: cropped.info, filter: subFilter },
            attrs: {
              strides: [1, 1],
              dilations: [1, 1],
              pad: [
                [0, 0],
                [rows.padBefore, rows.padAfter],
                [cols.padBefore, cols.padAfter],
                [0, 0],
              ],
              dataFormat: 'NHWC',
            },
          });
          phaseOutputs.push({ rh, rw, info: phase });
        } finally {
          backend.disposeData(subFilter.dataId);
          if (cropped.owned) backend.disposeData(cropped.info.dataId);
        }
      }
    }
    interleavePhases(backend, out, phaseOutputs, sh, sw, qh, qw);
    return out;
  } finally {
    for (const p of phaseOutputs) if (p.info !== null) backend.disposeData(p.info.dataId);
  }
}

/** dx[n, sh·q + rh, sw·p + rw, :] = phase(rh,rw)[n, q, p, :]; phases without taps leave zeros. */
function interleavePhases(
  backend: WasmBackend,
  out: TensorInfo,
  phases: { rh: number; rw: number; info: TensorInfo | null }[],
  sh: number,
  sw: number,
  qh: number,
  qw: number,
): void {
  const [batch, height, width, channels] = out.shape as [number, number, number, number];
  const dst = backend.typedArrayFromHeap(out);
  if (phases.some((p) => p.info === null)) dst.fill(0);
  for (const { rh, rw, info } of phases) {
    if (info === null) continue;
    const src = backend.typedArrayFromHeap(info);
    for (let n = 0; n < batch; n++) {
      for (let q = 0; q < qh; q++) {
        const h = sh * q + rh;
        if (h >= height) break;
        const srcRow = (n * qh + q) * qw;
        const dstRow = (n * height + h) * width;
        if (channels === 1) {
          for (let p = 0, wIdx = rw; p < qw && wIdx < width; p++, wIdx += sw) dst[dstRow + wIdx] = src[srcRow + p] as number;
        } else {
          for (let p = 0, wIdx = rw; p < qw && wIdx < width; p++, wIdx += sw) {
            const s0 = (srcRow + p) * channels;
            dst.set(src.subarray(s0, s0 + channels), (dstRow + wIdx) * channels);
          }
        }
      }
    }
  }
}

/**
 * Up to this many filter taps × dx channels (an image's last layer: 4×4×1, 3×3×3), each phase's
 * convolution above has a handful of output channels, which XNNPACK runs far below its speed; one
 * product dy · Wᵀ and a scatter-add (col2im) do the same work.
 */
export const COL2IM_MAX_PATCH = 64;

/**
 * cols [N·OH·OW, kh·kw·Ci] = dy [N·OH·OW, Co] · Wᵀ (W as [kh·kw·Ci, Co]) on XNNPACK, then
 * dx[n, i·sh + p − top, j·sw + q − left, c] += cols[(n, i, j), (p, q, c)] in a fixed order.
 */
function conv2DBackpropInputCol2im(backend: WasmBackend, dy: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { top, left } = info.padInfo;
  const k = kh * kw * ci;
  const m = n * oh * ow;
  const filterT = backend.makeOutput([1, co, k], 'float32');
  let cols: TensorInfo | null = null;
  try {
    const wt = backend.typedArrayFromHeap(filterT);
    const ws = backend.typedArrayFromHeap(filter);
    for (let r = 0; r < k; r++) for (let o = 0; o < co; o++) wt[o * k + r] = ws[r * co + o] as number;
    cols = runWasmKernel(backend, 'BatchMatMul', { a: { ...dy, shape: [1, m, co] }, b: filterT }, { transposeA: false, transposeB: false });
    const out = backend.makeOutput([n, h, w, ci], 'float32');
    const dx = backend.typedArrayFromHeap(out);
    const cs = backend.typedArrayFromHeap(cols);
    dx.fill(0);
    for (let b = 0; b < n; b++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          const src = ((b * oh + i) * ow + j) * k;
          for (let p = 0; p < kh; p++) {
            const y = i * sh + p - top;
            if (y < 0 || y >= h) continue;
            for (let q = 0; q < kw; q++) {
              const xc = j * sw + q - left;
              if (xc < 0 || xc >= w) continue;
              const dst = ((b * h + y) * w + xc) * ci;
              const tap = src + (p * kw + q) * ci;
              for (let c = 0; c < ci; c++) dx[dst + c] = (dx[dst + c] as number) + (cs[tap + c] as number);
            }
          }
        }
    return out;
  } finally {
    backend.disposeData(filterT.dataId);
    if (cols !== null) backend.disposeData(cols.dataId);
  }
}

export const conv2DBackpropInputWasmConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInputWasm as unknown as KernelConfig['kernelFunc'],
};
