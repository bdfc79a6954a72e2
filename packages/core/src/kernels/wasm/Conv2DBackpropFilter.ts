import { backend_util, Conv2DBackpropFilter, type Conv2DBackpropFilterAttrs, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { throughPadded, tileChannels } from './channelPad.js';
import { conv2DBackpropFilterGemm, conv2DBackpropFilterGemmApplies, conv2DBackpropFilterNarrowApplies, conv2DBackpropFilterNarrowGemm } from './conv_gemm.js';
import { sgemmFor } from './sgemm.js';
import { cropAmounts, cropSpatial, runWasmKernel, type WasmBackend, withTemporaries } from './wasm_kernel_util.js';

/**
 * dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·sh + kh − padTop, ow·sw + kw − padLeft, ci] · dy[n,oh,ow,co]
 * is itself a convolution: of xᵀ [Ci,H,W,N] with dyᵀ [OH,OW,N,Co] as a filter dilated by the
 * stride. tfjs-backend-wasm ships no kernel for it; this one runs it on the project's tile (conv_gemm.ts): directly
 * for whole tiles of output channels, transposed for fewer than a tile's columns, else with dy's channels padded.
 */
export function conv2DBackpropFilterWasm(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: WasmBackend;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  if (backend_util.convertConv2DDataFormat(dataFormat) !== 'channelsLast') {
    throw new Error(`Conv2DBackpropFilter on wasm supports dataFormat 'NHWC' only, got '${dataFormat}'`);
  }
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
  const gemm = sgemmFor(backend);
  if (gemm === null) return conv2DBackpropFilterWithoutTile(backend, x, dy, info);
  if (conv2DBackpropFilterGemmApplies(info)) return conv2DBackpropFilterGemm(backend, gemm, x, dy, info);
  if (conv2DBackpropFilterNarrowApplies(info)) return conv2DBackpropFilterNarrowGemm(backend, gemm, x, dy, info);
  // output channels short of whole tiles, and too many for the narrow route: dy padded with zero channels, their columns of dW dropped
  const co = tileChannels(info.outChannels);
  return throughPadded(backend, dy, 3, co, info.outChannels, (padded) => conv2DBackpropFilterGemm(backend, gemm, x, padded, { ...info, outChannels: co }));
}

/** The filter gradient where the tile cannot run (no wasm SIMD): an explicit patch matrix for few taps × channels, else XNNPACK's Conv2D. */
export function conv2DBackpropFilterWithoutTile(backend: WasmBackend, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, outHeight, outWidth, inHeight: height, inWidth: width, inChannels } = info;
  if (kh * kw * inChannels <= IM2COL_MAX_PATCH) return conv2DBackpropFilterIm2col(backend, x, dy, info);
  const rows = cropAmounts(info.padInfo.top, kh + sh * (outHeight - 1) - info.padInfo.top - height);
  const cols = cropAmounts(info.padInfo.left, kw + sw * (outWidth - 1) - info.padInfo.left - width);

  return withTemporaries(backend, (keep) => {
    const xT = keep(runWasmKernel(backend, 'Transpose', { x }, { perm: [3, 1, 2, 0] }));
    const cropped = cropSpatial(backend, xT, rows, cols);
    if (cropped.owned) keep(cropped.info);
    const dyT = keep(runWasmKernel(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] }));
    const dwT = keep(
      runWasmKernel(
        backend,
        'Conv2D',
        { x: cropped.info, filter: dyT },
        {
          strides: [1, 1],
          dilations: [sh, sw],
          pad: [
            [0, 0],
            [rows.padBefore, rows.padAfter],
            [cols.padBefore, cols.padAfter],
            [0, 0],
          ],
          dataFormat: 'NHWC',
        },
      ),
    );
    return runWasmKernel(backend, 'Transpose', { x: dwT }, { perm: [1, 2, 0, 3] });
  });
}

/**
 * Up to this many filter taps × input channels (an image's first layer: 4×4×1, 3×3×3), the
 * convolution route above is a GEMM of only that many rows behind two large copies (dy transposed,
 * then packed as a filter); an explicit patch matrix makes it one GEMM on XNNPACK instead.
 */
export const IM2COL_MAX_PATCH = 64;

/**
 * dW [kh·kw·Ci, Co] = Pᵀ · dy [N·OH·OW, Co], Pᵀ[(p, q, c), (n, i, j)] = x[n, i·sh + p − top, j·sw + q − left, c]
 * (0 in the padding): the patch matrix written transposed, one XNNPACK product.
 */
function conv2DBackpropFilterIm2col(backend: WasmBackend, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { top, left } = info.padInfo;
  const k = kh * kw * ci;
  const m = n * oh * ow;
  return withTemporaries(backend, (keep) => {
    const patchesT = keep(backend.makeOutput([1, k, m], 'float32'));
    const pt = backend.typedArrayFromHeap(patchesT);
    const xs = backend.typedArrayFromHeap(x);
    for (let p = 0; p < kh; p++)
      for (let q = 0; q < kw; q++)
        for (let c = 0; c < ci; c++) {
          const row = ((p * kw + q) * ci + c) * m;
          for (let b = 0; b < n; b++)
            for (let i = 0; i < oh; i++) {
              const y = i * sh + p - top;
              const dst = row + (b * oh + i) * ow;
              if (y < 0 || y >= h) {
                pt.fill(0, dst, dst + ow);
                continue;
              }
              const src = (b * h + y) * w;
              for (let j = 0, xc = q - left; j < ow; j++, xc += sw) pt[dst + j] = xc < 0 || xc >= w ? 0 : (xs[(src + xc) * ci + c] as number);
            }
        }
    const dyMatrix: TensorInfo = { ...dy, shape: [1, m, co] };
    const product = keep(runWasmKernel(backend, 'BatchMatMul', { a: patchesT, b: dyMatrix }, { transposeA: false, transposeB: false }));
    const out = backend.makeOutput([kh, kw, ci, co], 'float32');
    backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(product));
    return out;
  });
}

export const conv2DBackpropFilterWasmConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWasm as unknown as KernelConfig['kernelFunc'],
};
