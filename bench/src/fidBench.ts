import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@ganbench/core';
import { fid, frechetDistanceOfStatistics, gaussianStatistics, writeNpy } from '@ganbench/metrics';
import { type BenchRow, findPython, median } from './runBench.js';

/** Feature dimensions the FID line measures: a small classifier's, a mid-size one's, Inception's pool3. */
export const FID_BENCH_DIMS = [64, 512, 2048] as const;
/** Samples per feature set (the usual FID sample size). */
export const FID_BENCH_SAMPLES = 10_000;

export interface FidBenchOptions {
  log: (line: string) => void;
  /** A Python with numpy and scipy for the yardstick; undefined: look for one; null: no yardstick. */
  python?: string | null;
  /** Dimensions to measure (default FID_BENCH_DIMS). */
  dims?: readonly number[];
  /** Samples per set (default FID_BENCH_SAMPLES). */
  n?: number;
}

/** Yardstick result from bench/scipy_fid.py. */
interface ScipyFid {
  fid: number;
  stats_ms: number;
  distance_ms: number;
  numpy: string;
  scipy: string;
}

/**
 * Seeded float32 features (n×d, row-major) of two sets that differ in mean and spread; both sides of the
 * comparison see exactly these values (the .npy is float32 too).
 */
function benchFeatures(n: number, d: number, seed: number, shift: number, spread: number): Float32Array {
  const rng = new Rng(seed);
  const z = rng.normalArray(n * d);
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      // a few correlated directions so the covariances are not near-diagonal
      const mixed = (z[i * d + j] as number) + 0.5 * (z[i * d + ((j * 7 + 3) % d)] as number);
      out[i * d + j] = shift + spread * (1 + j / d) * mixed;
    }
  }
  return out;
}

/** Median wall time (ms) of `reps` calls, and the last value returned. */
function timed<T>(reps: number, f: () => T): { ms: number; value: T } {
  const times: number[] = [];
  let value: T | undefined;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    value = f();
    times.push(performance.now() - t0);
  }
  return { ms: median(times), value: value as T };
}

/** Runs bench/scipy_fid.py on the two .npy files with one BLAS thread; null (and a log line) if it fails. */
function scipyFid(python: string, a: string, b: string, reps: number, log: (line: string) => void): ScipyFid | null {
  const script = fileURLToPath(new URL('../scipy_fid.py', import.meta.url));
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const run = spawnSync(python, [script, a, b, '--reps', String(reps)], { encoding: 'utf8', env, timeout: 1_200_000 });
  if (run.status !== 0) {
    log(`scipy_fid.py failed: ${(run.stderr || String(run.error)).slice(-500)}`);
    return null;
  }
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as ScipyFid;
}

const round = (x: number) => Math.round(x * 100) / 100;

/** One BenchRow, with the yardstick columns filled when there is one. */
function row(name: string, ms: number, yardstickMs: number | null): BenchRow {
  return {
    name,
    backend: 'js',
    median_ms: round(ms),
    yardstick: yardstickMs === null ? null : 'scipy-sqrtm',
    yardstick_ms: yardstickMs === null ? null : round(yardstickMs),
    ratio: yardstickMs === null ? null : round(ms / yardstickMs),
    threads: 1,
  };
}

/**
 * FID at d = 64, 512, 2048 with n = 10,000 seeded features per set: this package's fid() (statistics and
 * distance; WebAssembly SIMD, one thread) against pytorch-fid's route in numpy/scipy with one BLAS thread
 * on the same matrices (passed as temporary .npy files) in the same run. Two rows per d: `fid d=…` (from
 * features) and `fid-distance d=…` (from statistics — scipy's sqrtm against the symmetric route), and a
 * log line with the relative difference of the two FID values.
 */
export function runFidBench(options: FidBenchOptions): BenchRow[] {
  const { log } = options;
  const n = options.n ?? FID_BENCH_SAMPLES;
  const python = options.python === undefined ? findPython('numpy, scipy.linalg') : options.python;
  if (python === null) log('numpy/scipy not found (set GANBENCH_PYTHON or install Debian python3-scipy); FID rows have no yardstick');
  const dir = mkdtempSync(join(tmpdir(), 'ganbench-fid-bench-'));
  const rows: BenchRow[] = [];
  try {
    for (const d of options.dims ?? FID_BENCH_DIMS) {
      const reps = d >= 1024 ? 1 : 3;
      const a = { data: benchFeatures(n, d, 2 * d, 0, 1), dim: d };
      const b = { data: benchFeatures(n, d, 2 * d + 1, 0.1, 1.1), dim: d };
      let yardstick: ScipyFid | null = null;
      if (python !== null) {
        const [pa, pb] = [join(dir, `a${d}.npy`), join(dir, `b${d}.npy`)];
        writeNpy(pa, a.data, [n, d], 'float32');
        writeNpy(pb, b.data, [n, d], 'float32');
        yardstick = scipyFid(python, pa, pb, reps, log);
        rmSync(pa);
        rmSync(pb);
      }
      const whole = timed(reps, () => fid(a, b));
      const sa = gaussianStatistics(a);
      const sb = gaussianStatistics(b);
      const distance = timed(reps, () => frechetDistanceOfStatistics(sa, sb));
      rows.push(row(`fid d=${d}`, whole.ms, yardstick === null ? null : yardstick.stats_ms + yardstick.distance_ms));
      rows.push(row(`fid-distance d=${d}`, distance.ms, yardstick?.distance_ms ?? null));
      const agreement =
        yardstick === null ? '' : `; scipy ${yardstick.fid} (relative difference ${(Math.abs(whole.value - yardstick.fid) / yardstick.fid).toExponential(1)})`;
      log(`fid d=${d} n=${n}: ${whole.value} in ${Math.round(whole.ms)} ms (distance alone ${Math.round(distance.ms)} ms)${agreement}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
