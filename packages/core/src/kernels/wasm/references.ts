import { backend_util } from '@tensorflow/tfjs-core';

/** Float64 reference loops the wasm kernel tests compare against (test-only; not exported from the package). */

export interface ConvGeometry {
  xShape: [number, number, number, number];
  wShape: [number, number, number, number];
  strides: [number, number];
  dilations: [number, number];
  pad: 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
}

/** y = Σ x·W over the window, dW = Σ x·dy over the output positions, dx = Σ W·dy back through the same map. */
export function referenceConv(g: ConvGeometry, x: Float32Array, w: Float32Array, dy: Float32Array) {
  const info = backend_util.computeConv2DInfo(g.xShape, g.wShape, g.strides, g.dilations, g.pad);
  const [n, h, wd, ci] = g.xShape;
  const { outHeight: oh, outWidth: ow, outChannels: co, filterHeight: kh, filterWidth: kw } = info;
  const y = new Float64Array(n * oh * ow * co);
  const dW = new Float64Array(kh * kw * ci * co);
  const dx = new Float64Array(n * h * wd * ci);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let p = 0; p < kh; p++)
          for (let q = 0; q < kw; q++) {
            const yy = i * g.strides[0] + p * g.dilations[0] - info.padInfo.top;
            const xx = j * g.strides[1] + q * g.dilations[1] - info.padInfo.left;
            if (yy < 0 || yy >= h || xx < 0 || xx >= wd) continue;
            for (let a = 0; a < ci; a++) {
              const ix = ((b * h + yy) * wd + xx) * ci + a;
              for (let o = 0; o < co; o++) {
                const iy = ((b * oh + i) * ow + j) * co + o;
                const iw = ((p * kw + q) * ci + a) * co + o;
                y[iy] = (y[iy] as number) + (x[ix] as number) * (w[iw] as number);
                dW[iw] = (dW[iw] as number) + (x[ix] as number) * (dy[iy] as number);
                dx[ix] = (dx[ix] as number) + (w[iw] as number) * (dy[iy] as number);
              }
            }
          }
  return { info, y, dW, dx, dyShape: [n, oh, ow, co] as [number, number, number, number] };
}

/** C[b,i,j] = Σ_k op(A)[b,i,k]·op(B)[b,k,j] with op a transpose where flagged. */
export function referenceMatMul(a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, tA: boolean, tB: boolean): Float64Array {
  const c = new Float64Array(batch * m * n);
  for (let s = 0; s < batch; s++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) {
          const av = a[s * m * k + (tA ? p * m + i : i * k + p)] as number;
          const bv = b[s * k * n + (tB ? j * k + p : p * n + j)] as number;
          acc += av * bv;
        }
        c[(s * m + i) * n + j] = acc;
      }
  return c;
}

/** max |actual − expected| over max(1, max |expected|). */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i] as number));
  let err = 0;
  for (let i = 0; i < expected.length; i++) err = Math.max(err, Math.abs((actual[i] as number) - (expected[i] as number)));
  return err / scale;
}
