/** How images are resampled to the configured resolution. */
export type ResizeMethod = 'area' | 'bilinear';

export const RESIZE_METHODS: readonly ResizeMethod[] = ['area', 'bilinear'];

/** Sparse 1-D resampling weights: output `o` reads `index[k]·weight[k]` for k in [start[o], start[o + 1]). */
export interface AxisWeights {
  start: Int32Array;
  index: Int32Array;
  weight: Float64Array;
}

function pack(rows: Array<Array<[number, number]>>): AxisWeights {
  const total = rows.reduce((s, r) => s + r.length, 0);
  const start = new Int32Array(rows.length + 1);
  const index = new Int32Array(total);
  const weight = new Float64Array(total);
  let k = 0;
  rows.forEach((row, o) => {
    start[o] = k;
    for (const [i, w] of row) {
      index[k] = i;
      weight[k] = w;
      k++;
    }
  });
  start[rows.length] = k;
  return { start, index, weight };
}

/**
 * Area (box) weights: each output pixel is the average of the input it covers, weighted by the
 * overlap, as OpenCV's INTER_AREA and TensorFlow's `area` do; downsampling never aliases.
 */
export function areaWeights(inSize: number, outSize: number): AxisWeights {
  const scale = inSize / outSize;
  const rows: Array<Array<[number, number]>> = [];
  for (let o = 0; o < outSize; o++) {
    const lo = o * scale;
    const hi = (o + 1) * scale;
    const row: Array<[number, number]> = [];
    for (let i = Math.floor(lo); i < Math.min(Math.ceil(hi), inSize); i++) {
      const overlap = Math.min(hi, i + 1) - Math.max(lo, i);
      if (overlap > 1e-12) row.push([i, overlap / scale]);
    }
    rows.push(row);
  }
  return pack(rows);
}

/**
 * Bilinear weights with half-pixel centres (TF2 `tf.image.resize` bilinear without antialias,
 * PyTorch `align_corners=False`): x = (o + ½)·in/out − ½, clamped to the image.
 */
export function bilinearWeights(inSize: number, outSize: number): AxisWeights {
  const scale = inSize / outSize;
  const rows: Array<Array<[number, number]>> = [];
  for (let o = 0; o < outSize; o++) {
    const x = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), inSize - 1);
    const x0 = Math.floor(x);
    const x1 = Math.min(x0 + 1, inSize - 1);
    const t = x - x0;
    rows.push(
      t === 0 || x1 === x0
        ? [[x0, 1]]
        : [
            [x0, 1 - t],
            [x1, t],
          ],
    );
  }
  return pack(rows);
}

/** The 1-D weights of a method, so the separable resampler needs no branch per pixel. */
export function axisWeights(method: ResizeMethod, inSize: number, outSize: number): AxisWeights {
  return method === 'area' ? areaWeights(inSize, outSize) : bilinearWeights(inSize, outSize);
}

/** Precomputed weights for one input size → one output size. */
export interface ResizePlan {
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
  rows: AxisWeights;
  cols: AxisWeights;
}

export function resizePlan(method: ResizeMethod, inHeight: number, inWidth: number, outHeight: number, outWidth: number): ResizePlan {
  return {
    inHeight,
    inWidth,
    outHeight,
    outWidth,
    rows: axisWeights(method, inHeight, outHeight),
    cols: axisWeights(method, inWidth, outWidth),
  };
}

/**
 * Resamples one HWC image separably (columns, then rows): both methods are products of 1-D
 * kernels, so this costs O(h·w'·c + h'·w'·c) rather than a 2-D kernel per pixel. `scratch`
 * (h·w'·c floats) saves an allocation per image in batch loops.
 */
export function resampleHwc(
  src: ArrayLike<number>,
  channels: number,
  plan: ResizePlan,
  dst: Float32Array | Float64Array,
  dstOffset = 0,
  scratch?: Float64Array,
): void {
  const { inHeight, inWidth, outHeight, outWidth } = plan;
  const tmp = scratch ?? new Float64Array(inHeight * outWidth * channels);
  tmp.fill(0, 0, inHeight * outWidth * channels);
  const { start: cs, index: ci, weight: cw } = plan.cols;
  const { start: rs, index: ri, weight: rw } = plan.rows;
  for (let y = 0; y < inHeight; y++) {
    for (let ox = 0; ox < outWidth; ox++) {
      const to = (y * outWidth + ox) * channels;
      const kEnd = cs[ox + 1] as number;
      for (let k = cs[ox] as number; k < kEnd; k++) {
        const w = cw[k] as number;
        const from = (y * inWidth + (ci[k] as number)) * channels;
        for (let c = 0; c < channels; c++) tmp[to + c] = (tmp[to + c] as number) + w * (src[from + c] as number);
      }
    }
  }
  for (let oy = 0; oy < outHeight; oy++) {
    const kStart = rs[oy] as number;
    const kEnd = rs[oy + 1] as number;
    for (let ox = 0; ox < outWidth; ox++) {
      const to = dstOffset + (oy * outWidth + ox) * channels;
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let k = kStart; k < kEnd; k++) sum += (rw[k] as number) * (tmp[((ri[k] as number) * outWidth + ox) * channels + c] as number);
        dst[to + c] = sum;
      }
    }
  }
}
