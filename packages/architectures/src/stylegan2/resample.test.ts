import { initBackend, Rng, tf } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { blurForStridedConv, downsample2d, upsample2d } from './resample.js';

/**
 * upfirdn (official dnnlib upfirdn_2d / torch_utils upfirdn2d, one axis): insert up − 1 zeros after
 * each sample, pad `pad0`/`pad1` zeros, convolve with `taps` (symmetric), keep every `down`-th sample.
 */
function upfirdn1d(x: number[], taps: number[], up: number, down: number, pad0: number, pad1: number): number[] {
  const upsampled: number[] = [];
  for (const v of x) upsampled.push(v, ...new Array(up - 1).fill(0));
  const padded = [...new Array(pad0).fill(0), ...upsampled, ...new Array(pad1).fill(0)];
  const out: number[] = [];
  for (let i = 0; i + taps.length <= padded.length; i += down) out.push(taps.reduce((acc, t, j) => acc + t * (padded[i + j] as number), 0));
  return out;
}

/** The separable 2-D upfirdn on an NHWC array, along height then width. */
function upfirdn2d(x: tf.Tensor4D, taps: number[], up: number, down: number, pad0: number, pad1: number): { data: number[]; shape: number[] } {
  const [n, h, w, c] = x.shape;
  const v = Array.from(x.dataSync());
  const columns = (grid: number[], height: number, width: number) => {
    const outHeight = upfirdn1d(new Array(height).fill(0), taps, up, down, pad0, pad1).length;
    const out = new Array(n * outHeight * width * c).fill(0);
    for (let b = 0; b < n; b++)
      for (let j = 0; j < width; j++)
        for (let k = 0; k < c; k++) {
          const column = Array.from({ length: height }, (_, i) => grid[((b * height + i) * width + j) * c + k] as number);
          upfirdn1d(column, taps, up, down, pad0, pad1).forEach((value, i) => {
            out[((b * outHeight + i) * width + j) * c + k] = value;
          });
        }
    return { out, outHeight };
  };
  const transpose = (grid: number[], height: number, width: number) => {
    const out = new Array(grid.length);
    for (let b = 0; b < n; b++)
      for (let i = 0; i < height; i++)
        for (let j = 0; j < width; j++) for (let k = 0; k < c; k++) out[((b * width + j) * height + i) * c + k] = grid[((b * height + i) * width + j) * c + k];
    return out as number[];
  };
  const first = columns(v, h, w);
  const second = columns(transpose(first.out, first.outHeight, w), w, first.outHeight);
  return { data: transpose(second.out, second.outHeight, first.outHeight), shape: [n, first.outHeight, second.outHeight, c] };
}

/** The official [1, 3, 3, 1] filter, normalized to sum 1 per axis. */
const F = [1, 3, 3, 1].map((t) => t / 8);

function expectClose(got: tf.Tensor, expected: { data: number[]; shape: number[] }): void {
  expect(got.shape).toEqual(expected.shape);
  const values = got.dataSync();
  for (const [i, e] of expected.data.entries()) expect(Math.abs((values[i] as number) - e), `element ${i}`).toBeLessThanOrEqual(1e-5);
}

describe.each(['cpu', 'wasm'] as const)('StyleGAN2 resampling with the [1, 3, 3, 1] filter (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('upsample2d is the official upsample2d: upfirdn(up 2, gain 4, pads 2 and 1)', () => {
    const x = new Rng(1).normalTensor([2, 4, 3, 2]) as tf.Tensor4D;
    const y = upsample2d(x);
    // upsample2d(k, factor 2): p = 4 − 2, pad0 = ⌊(p + 1)/2⌋ + 1 = 2, pad1 = ⌊p/2⌋ = 1, taps × factor per axis
    expectClose(
      y,
      upfirdn2d(
        x,
        F.map((t) => 2 * t),
        2,
        1,
        2,
        1,
      ),
    );
    // away from the border it is bilinear interpolation with half-pixel centres
    const bilinear = tf.image.resizeBilinear(x, [8, 6], false, true);
    const [a, b] = [y.arraySync() as number[][][][], bilinear.arraySync() as number[][][][]];
    for (let i = 1; i < 7; i++) for (let j = 1; j < 5; j++) expect(a[1]?.[i]?.[j]?.[1]).toBeCloseTo(b[1]?.[i]?.[j]?.[1] as number, 5);
    tf.dispose([x, y, bilinear]);
  });

  it('downsample2d is the official downsample2d: upfirdn(down 2, pads 1 and 1)', () => {
    const x = new Rng(2).normalTensor([2, 6, 8, 3]) as tf.Tensor4D;
    const y = downsample2d(x);
    expectClose(y, upfirdn2d(x, F, 1, 2, 1, 1));
    tf.dispose([x, y]);
  });

  it("blurForStridedConv is conv2d_resample's filter before a stride-2 3×3 convolution: upfirdn(pads 2 and 2), S → S + 1", () => {
    const x = new Rng(3).normalTensor([1, 8, 8, 2]) as tf.Tensor4D;
    const y = blurForStridedConv(x);
    expectClose(y, upfirdn2d(x, F, 1, 1, 2, 2));
    tf.dispose([x, y]);
  });

  it.each([
    ['upsample2d', upsample2d, [2, 4, 3, 2]],
    ['downsample2d', downsample2d, [2, 6, 8, 3]],
    ['blurForStridedConv', blurForStridedConv, [1, 8, 8, 2]],
  ] as const)('%s: the gradient is the adjoint, ⟨Ax, y⟩ = ⟨x, Aᵀy⟩, and so is the gradient of the gradient', (_, resample, shape) => {
    const rng = new Rng(4);
    const x = rng.normalTensor([...shape]) as tf.Tensor4D;
    const ax = resample(x);
    const y = rng.normalTensor([...ax.shape]);
    const z = rng.normalTensor([...shape]);
    const dot = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.sum(tf.mul(a, b)).dataSync()[0] as number);
    // Aᵀy as the gradient of ⟨Ax, y⟩ in x
    const adjoint = (v: tf.Tensor) => tf.grad((input: tf.Tensor) => tf.sum(tf.mul(resample(input as tf.Tensor4D), v)))(x);
    const aty = adjoint(y);
    expect(dot(ax, y)).toBeCloseTo(dot(x, aty), 4);
    // A z as the gradient of ⟨Aᵀy, z⟩ in y: the backward pass differentiated again, as R1 and the path length do
    const az = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(adjoint(v), z)))(y);
    const direct = resample(z as tf.Tensor4D);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(az, direct))).dataSync()[0])).toBeLessThan(1e-5);
    tf.dispose([x, ax, y, z, aty, az, direct]);
  });
});
