import { extname } from 'node:path';
import type { NpyArray } from '../io/npy.js';
import { readFeatures } from '../io/npy.js';
import { readNpz, writeNpz } from '../io/npz.js';
import { type GaussianStatistics, gaussianStatistics, toRows } from './statistics.js';

/** Shape as Python prints it, for messages. */
function shapeText(a: NpyArray): string {
  return a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
}

/**
 * Saves statistics as .npz (np.savez_compressed layout) with `mu` (d,) and `sigma` (d, d) in float64 —
 * what pytorch-fid's `--save-stats` writes and its loader reads — plus `n` (a 0-d float64) when known.
 */
export function saveStatistics(path: string, stats: GaussianStatistics): void {
  const d = stats.mean.length;
  if (stats.covariance.length !== d) throw new Error(`covariance: ${stats.covariance.length} rows do not match the mean's dimension ${d}`);
  const sigma = new Float64Array(d * d);
  stats.covariance.forEach((row, i) => {
    if (row.length !== d) throw new Error(`covariance: row ${i} has ${row.length} entries; a ${d}×${d} matrix needs ${d}`);
    sigma.set(row, i * d);
  });
  writeNpz(path, {
    mu: { data: stats.mean, shape: [d] },
    sigma: { data: sigma, shape: [d, d] },
    ...(stats.n === null ? {} : { n: { data: [stats.n], shape: [] } }),
  });
}

/**
 * Loads statistics from an .npz with `mu` and `sigma` (pytorch-fid's, or saveStatistics'); `n` is read
 * when present, else null. Errors name the file, the array and the expected shape.
 */
export function loadStatistics(path: string): GaussianStatistics {
  const arrays = readNpz(path);
  const { mu, sigma, n } = arrays;
  const has = Object.keys(arrays).join(', ') || 'no arrays';
  if (mu === undefined || sigma === undefined) throw new Error(`${path}: FID statistics need arrays 'mu' and 'sigma'; the file has ${has}`);
  const d = mu.data.length;
  if (mu.shape.length !== 1) throw new Error(`${path}: 'mu' must be 1-D (d,); its shape is ${shapeText(mu)}`);
  if (sigma.shape.length !== 2 || sigma.shape[0] !== d || sigma.shape[1] !== d)
    throw new Error(`${path}: 'sigma' must have shape (${d}, ${d}) to match 'mu' ${shapeText(mu)}; its shape is ${shapeText(sigma)}`);
  for (const [key, a] of [
    ['mu', mu],
    ['sigma', sigma],
  ] as const) {
    const bad = a.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new Error(`${path}: '${key}' holds a non-finite value (${a.data[bad]}) at flat index ${bad}`);
  }
  let count: number | null = null;
  if (n !== undefined) {
    count = n.data[0] ?? Number.NaN;
    if (n.data.length !== 1 || !Number.isInteger(count) || count < 2)
      throw new Error(`${path}: 'n' must be one integer ≥ 2 (the sample count); it is ${shapeText(n)} [${Array.from(n.data.slice(0, 3)).join(', ')}]`);
  }
  return { mean: Array.from(mu.data), covariance: toRows(sigma.data, d), n: count };
}

/**
 * FID statistics from a file, as `ganbench fid --features` takes them: an .npz of statistics (loaded), or an
 * .npy feature matrix (samples × dimensions; mean and covariance computed). Errors name the file.
 */
export function statisticsFromFile(path: string): GaussianStatistics {
  const ext = extname(path).toLowerCase();
  if (ext === '.npz') return loadStatistics(path);
  if (ext === '.npy') return gaussianStatistics(readFeatures(path), path);
  throw new Error(`${path}: '${ext || '(no extension)'}' is not a FID input; use .npy (features, samples × dimensions) or .npz (statistics with mu and sigma)`);
}
