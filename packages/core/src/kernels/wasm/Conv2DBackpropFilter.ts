import { backend_util, Conv2DBackpropFilter, type Conv2DBackpropFilterAttrs, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { cropAmounts, cropSpatial, runWasmKernel, type WasmBackend, withTemporaries } from './wasm_kernel_util.js';

/**
 * dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·sh + kh − padTop, ow·sw + kw − padLeft, ci] · dy[n,oh,ow,co]
 * is itself a convolution: of xᵀ [Ci,H,W,N] with dyᵀ [OH,OW,N,Co] as a filter dilated by the
 * stride. tfjs-backend-wasm ships no kernel for it; this one hands the work to XNNPACK's Conv2D.
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
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, outHeight, outWidth } = info;
  const [, height, width] = x.shape as [number, number, number, number];
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

export const conv2DBackpropFilterWasmConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWasm as unknown as KernelConfig['kernelFunc'],
};
