import type { Samples } from '../points.js';
import { type ProductBlock, productBlocks, squaredNorms } from './blockedProducts.js';
import { kthNeighbourSquaredDistances } from './knnRadii.js';
import { checkInteger, checkSameDim, finiteRows } from './rows.js';

export interface PrecisionRecallOptions {
  /** Neighbours for the manifold radii, self excluded (Kynkäänniemi et al. 2019 use 3). */
  k?: number;
  /** Also compute density and coverage (Naeem et al. 2020). */
  densityCoverage?: boolean;
  /** Neighbours for density and coverage's radii, self excluded (Naeem et al. 2020 use 5). */
  densityCoverageK?: number;
  /** Rows per distance block; the largest matrix held is blockSize × blockSize (default 1024, 8 MB). */
  blockSize?: number;
}

export interface PrecisionRecall {
  /** Fraction of fake samples inside the real manifold. */
  precision: number;
  /** Fraction of real samples inside the fake manifold. */
  recall: number;
  /** Present with `densityCoverage`: (1/k)·mean over fakes of how many real neighbourhoods hold them; can exceed 1. */
  density?: number;
  /** Present with `densityCoverage`: fraction of real neighbourhoods that hold at least one fake. */
  coverage?: number;
}

/**
 * Improved precision and recall (Kynkäänniemi et al. 2019, Eq. 1–3): f(φ, Φ) = 1 when ‖φ − φ′‖² ≤ NN_k(φ′)² for
 * some φ′ ∈ Φ; precision = mean f(fake, real), recall = mean f(real, fake). With `densityCoverage`, density and
 * coverage of Naeem et al. 2020 (Eq. 5–6, strict <, their k). Squared distances ‖a‖² + ‖b‖² − 2a·b in float64
 * blocks, so n × n never lives in memory. `real` is the reference set, `fake` the generated one.
 */
export function precisionRecall(real: Samples, fake: Samples, options: PrecisionRecallOptions = {}): PrecisionRecall {
  const { k = 3, densityCoverage = false, densityCoverageK = 5, blockSize = 1024 } = options;
  checkInteger('k', k, 1);
  checkInteger('densityCoverageK', densityCoverageK, 1);
  checkInteger('blockSize', blockSize, 1);
  const r = finiteRows(real, 'real');
  const f = finiteRows(fake, 'fake');
  checkSameDim(r, 'real', f, 'fake');
  const kReal = densityCoverage ? Math.max(k, densityCoverageK) : k;
  if (r.n <= kReal) throw new Error(`real: ${r.n} samples; k = ${kReal} nearest neighbours (self excluded) need at least ${kReal + 1}`);
  if (f.n <= k) throw new Error(`fake: ${f.n} samples; k = ${k} nearest neighbours (self excluded) need at least ${k + 1}`);

  const normsR = squaredNorms(r);
  const normsF = squaredNorms(f);
  const realRadii = kthNeighbourSquaredDistances(r, normsR, densityCoverage ? [k, densityCoverageK] : [k], blockSize);
  const radiusR = realRadii[0] as Float64Array;
  const radiusR5 = (realRadii[1] ?? realRadii[0]) as Float64Array;
  const radiusF = kthNeighbourSquaredDistances(f, normsF, [k], blockSize)[0] as Float64Array;

  const fakeInside = new Uint8Array(f.n);
  const realInside = new Uint8Array(r.n);
  const realCovered = new Uint8Array(r.n);
  const fakeNeighbourhoods = new Float64Array(f.n);
  const decided = (flags: Uint8Array, start: number, count: number) => {
    for (let t = start; t < start + count; t++) if (flags[t] === 0) return false;
    return true;
  };
  // without density (which counts every pair) a block whose rows and columns are all inside already can change nothing
  const skip = densityCoverage
    ? undefined
    : (i0: number, rows: number, j0: number, cols: number) => decided(fakeInside, i0, rows) && decided(realInside, j0, cols);
  productBlocks(f, r, { blockSize, ...(skip === undefined ? {} : { skip }) }, (block) => {
    markInside(block, normsF, normsR, radiusF, radiusR, fakeInside, realInside);
    if (densityCoverage) countNeighbourhoods(block, normsF, normsR, radiusR5, fakeNeighbourhoods, realCovered);
  });

  const mean = (flags: Uint8Array) => flags.reduce((s, v) => s + v, 0) / flags.length;
  const result: PrecisionRecall = { precision: mean(fakeInside), recall: mean(realInside) };
  if (densityCoverage) {
    result.density = fakeNeighbourhoods.reduce((s, v) => s + v, 0) / (densityCoverageK * f.n);
    result.coverage = mean(realCovered);
  }
  return result;
}

/**
 * Precision and recall's tests on a fake × real block of dot products, with d = ‖f‖² + ‖r‖² − 2f·r clamped at 0:
 * fake i is inside when d ≤ real j's radius, real j when d ≤ fake i's.
 */
function markInside(
  block: ProductBlock,
  normsF: Float64Array,
  normsR: Float64Array,
  radiusF: Float64Array,
  radiusR: Float64Array,
  fakeInside: Uint8Array,
  realInside: Uint8Array,
): void {
  const { i0, rows, j0, cols, stride, values } = block;
  for (let a = 0; a < rows; a++) {
    const rf = radiusF[i0 + a] as number;
    const nf = normsF[i0 + a] as number;
    const o = a * stride;
    let inside = fakeInside[i0 + a] as number;
    for (let c = 0; c < cols; c++) {
      const e = nf + (normsR[j0 + c] as number) - 2 * (values[o + c] as number);
      const d = Math.max(e, 0);
      if (d <= (radiusR[j0 + c] as number)) inside = 1;
      if (d <= rf) realInside[j0 + c] = 1;
    }
    fakeInside[i0 + a] = inside;
  }
}

/** Density and coverage's tests (Naeem et al. 2020, strict <): count real neighbourhoods holding fake i, mark real j covered. */
function countNeighbourhoods(
  block: ProductBlock,
  normsF: Float64Array,
  normsR: Float64Array,
  radius: Float64Array,
  counts: Float64Array,
  covered: Uint8Array,
): void {
  const { i0, rows, j0, cols, stride, values } = block;
  for (let a = 0; a < rows; a++) {
    const nf = normsF[i0 + a] as number;
    const o = a * stride;
    let count = 0;
    for (let c = 0; c < cols; c++) {
      const e = nf + (normsR[j0 + c] as number) - 2 * (values[o + c] as number);
      if (Math.max(e, 0) < (radius[j0 + c] as number)) {
        count++;
        covered[j0 + c] = 1;
      }
    }
    counts[i0 + a] = (counts[i0 + a] as number) + count;
  }
}
