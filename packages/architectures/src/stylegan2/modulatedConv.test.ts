import { initBackend, Rng, tf } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMODULATION_EPSILON, modulatedConv2d } from './modulatedConv.js';
import { upsample2d } from './resample.js';

/** Plain-JS reference: sample n convolved ('same', zero padding) with its own weight w''[kh][kw][i][o] = w·s[n][i]·d[n][o]. */
function explicitModulatedConv(x: tf.Tensor4D, weight: tf.Tensor4D, styles: tf.Tensor2D, demodulate: boolean): Float64Array {
  const [n, h, w, cin] = x.shape;
  const [k, , , cout] = weight.shape;
  const xs = x.dataSync();
  const ws = weight.dataSync();
  const ss = styles.dataSync();
  const out = new Float64Array(n * h * w * cout);
  const r = (k - 1) / 2;
  for (let b = 0; b < n; b++) {
    // the per-sample weight, formed explicitly (what a grouped convolution would take)
    const own = new Float64Array(k * k * cin * cout);
    for (let q = 0; q < own.length; q++) own[q] = (ws[q] as number) * (ss[b * cin + (Math.floor(q / cout) % cin)] as number);
    for (let o = 0; o < cout; o++) {
      let sumSquares = 0;
      for (let q = o; q < own.length; q += cout) sumSquares += (own[q] as number) ** 2;
      const d = demodulate ? 1 / Math.sqrt(sumSquares + DEMODULATION_EPSILON) : 1;
      for (let q = o; q < own.length; q += cout) own[q] = (own[q] as number) * d;
    }
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        for (let o = 0; o < cout; o++) {
          let acc = 0;
          for (let di = 0; di < k; di++) {
            for (let dj = 0; dj < k; dj++) {
              const yi = i + di - r;
              const xj = j + dj - r;
              if (yi < 0 || yi >= h || xj < 0 || xj >= w) continue;
              for (let c = 0; c < cin; c++) acc += (xs[((b * h + yi) * w + xj) * cin + c] as number) * (own[((di * k + dj) * cin + c) * cout + o] as number);
            }
          }
          out[((b * h + i) * w + j) * cout + o] = acc;
        }
      }
    }
  }
  return out;
}

describe('StyleGAN2 modulated convolution (cpu)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it.each([true, false])('demodulate %s: equals convolving each sample with its explicitly modulated (and demodulated) weight', (demodulate) => {
    const rng = new Rng(1);
    for (const k of [3, 1]) {
      const x = rng.normalTensor([3, 5, 4, 3]) as tf.Tensor4D;
      const weight = rng.normalTensor([k, k, 3, 2]) as tf.Tensor4D;
      const styles = rng.normalTensor([3, 3], 1, 0.7) as tf.Tensor2D;
      const got = modulatedConv2d(x, weight, styles, { demodulate });
      const expected = explicitModulatedConv(x, weight, styles, demodulate);
      const values = got.dataSync();
      const scale = Math.max(...expected.map(Math.abs));
      for (let i = 0; i < expected.length; i++) expect(Math.abs((values[i] as number) - (expected[i] as number))).toBeLessThanOrEqual(1e-5 * scale);
      tf.dispose([x, weight, styles, got]);
    }
  });

  it('with up: modulating then upsampling is upsampling the modulated input (the scaling is per channel)', () => {
    const rng = new Rng(2);
    const x = rng.normalTensor([2, 4, 4, 3]) as tf.Tensor4D;
    const weight = rng.normalTensor([3, 3, 3, 2]) as tf.Tensor4D;
    const styles = rng.normalTensor([2, 3], 1, 0.7) as tf.Tensor2D;
    const got = modulatedConv2d(x, weight, styles, { demodulate: true, up: true });
    expect(got.shape).toEqual([2, 8, 8, 2]);
    const upsampled = upsample2d(x);
    const expected = explicitModulatedConv(upsampled, weight, styles, true);
    const values = got.dataSync();
    for (let i = 0; i < expected.length; i++) expect(Math.abs((values[i] as number) - (expected[i] as number))).toBeLessThanOrEqual(1e-4);
    tf.dispose([x, weight, styles, got, upsampled]);
  });

  it('demodulated outputs have unit variance for i.i.d. unit-variance input (Karras et al. 2020, Sec. 2.2); undemodulated ones Σ(w·s)²', () => {
    const rng = new Rng(3);
    const [styleCount, repeats, size, cin, cout] = [2, 64, 16, 8, 4];
    const weight = rng.normalTensor([3, 3, cin, cout]) as tf.Tensor4D;
    // two styles far from 1 (scale ≈ 3), each shared by 64 samples of fresh N(0, 1) input
    const distinct = rng.normalTensor([styleCount, cin], 0, 3) as tf.Tensor2D;
    const styles = tf.tidy(() => tf.reshape(tf.tile(tf.reshape(distinct, [styleCount, 1, cin]), [1, repeats, 1]), [styleCount * repeats, cin]) as tf.Tensor2D);
    const x = rng.normalTensor([styleCount * repeats, size, size, cin]) as tf.Tensor4D;
    /*
     * Output pixels 3 apart read disjoint 3×3 windows, so given w and s the values at rows/columns
     * 1, 4, 7, 10, 13 (interior: no zero padding) are independent N(0, σ²), σ² = Σ(w·s)²·d². Per
     * (style, channel) that is 64·25 = 1600 of them: mean y²/σ² has std √(2/1600) = 0.035, so 0.18 is
     * 5 standard deviations; pooled over the 8 pairs, 12 800 values, std 0.0125, and 0.05 is 4.
     */
    const grid = [1, 4, 7, 10, 13];
    const meanSquares = (y: tf.Tensor4D) => {
      const v = y.dataSync();
      const sums = new Float64Array(styleCount * cout);
      for (let b = 0; b < styleCount * repeats; b++) {
        const k = Math.floor(b / repeats);
        for (const i of grid)
          for (const j of grid)
            for (let o = 0; o < cout; o++) sums[k * cout + o] = (sums[k * cout + o] as number) + (v[((b * size + i) * size + j) * cout + o] as number) ** 2;
      }
      return Array.from(sums, (s) => s / (repeats * grid.length ** 2));
    };
    const demodulated = modulatedConv2d(x, weight, styles, { demodulate: true });
    const unit = meanSquares(demodulated);
    for (const m of unit) expect(Math.abs(m - 1)).toBeLessThanOrEqual(0.18);
    expect(Math.abs(unit.reduce((a, b) => a + b, 0) / unit.length - 1)).toBeLessThanOrEqual(0.05);
    const raw = modulatedConv2d(x, weight, styles, { demodulate: false });
    const rawSquares = meanSquares(raw);
    const w = weight.dataSync();
    const s = distinct.dataSync();
    for (let k = 0; k < styleCount; k++) {
      for (let o = 0; o < cout; o++) {
        let variance = 0;
        for (let q = o; q < w.length; q += cout) variance += ((w[q] as number) * (s[k * cin + (Math.floor(q / cout) % cin)] as number)) ** 2;
        expect(variance).toBeGreaterThan(20);
        expect(Math.abs((rawSquares[k * cout + o] as number) / variance - 1)).toBeLessThanOrEqual(0.18);
      }
    }
    tf.dispose([weight, distinct, styles, x, demodulated, raw]);
  });
});
