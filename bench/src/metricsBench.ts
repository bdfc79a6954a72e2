import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@ganbench/core';
import { precisionRecall } from '@ganbench/metrics';
import { type BenchRow, findPython, median } from './runBench.js';

export interface PrecisionRecallBenchOptions {
  log: (line: string) => void;
  /** Time the numpy yardstick (bench/numpy_pr.py) when a Python with numpy is found. */
  python: boolean;
  /** Samples per set (default 10,000). */
  n?: number;
  /** Feature dimensions to time (default 64 and 2048). */
  dims?: number[];
  /** Timed runs per side; the median is reported (default 1: one 2048-d run is minutes in JS). */
  repeats?: number;
}

/** A 2-D float32 array in NumPy's .npy format (version 1.0). */
function npyBytes(data: Float32Array, rows: number, cols: number): Buffer {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  // magic (6) + version (2) + length (2) + header + '\n' is padded to a multiple of 64
  header += ' '.repeat(63 - ((10 + header.length) % 64));
  header += '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

interface NumpyResult {
  median_ms: number;
  precision: number;
  recall: number;
}

/**
 * Improved precision/recall (k = 3) of two seeded n × d float32 feature sets (real N(0, I), fake N(0.05, I))
 * in TypeScript (float64, blocked, WebAssembly SIMD products) and in numpy (bench/numpy_pr.py, BLAS on 1 thread,
 * the official algorithm) on the same features in the same run; the answers are cross-checked.
 */
export async function runPrecisionRecallBench(options: PrecisionRecallBenchOptions): Promise<BenchRow[]> {
  const { log, n = 10_000, dims = [64, 2048], repeats = 1 } = options;
  const python = options.python ? findPython('numpy') : null;
  if (options.python && python === null) log('numpy not found (set GANBENCH_PYTHON or install Debian python3-numpy); no yardstick');
  const script = fileURLToPath(new URL('../numpy_pr.py', import.meta.url));
  const rows: BenchRow[] = [];
  for (const dim of dims) {
    const rng = new Rng(dim);
    const real = rng.normalArray(n * dim);
    const fake = rng.normalArray(n * dim, 0.05, 1);
    let numpy: NumpyResult | null = null;
    if (python !== null) {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'ganbench-pr-'));
      try {
        writeFileSync(path.join(dir, 'real.npy'), npyBytes(real, n, dim));
        writeFileSync(path.join(dir, 'fake.npy'), npyBytes(fake, n, dim));
        const run = spawnSync(python, [script, path.join(dir, 'real.npy'), path.join(dir, 'fake.npy'), '--repeats', String(repeats), '--threads', '1'], {
          encoding: 'utf8',
          timeout: 1_800_000,
          env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
        });
        if (run.status === 0) numpy = JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as NumpyResult;
        else log(`numpy_pr.py failed: ${(run.stderr ?? '').slice(-500)}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    // warm-up: JIT and the WebAssembly module's compilation stay out of the timing
    const warm = Math.min(256, n) * dim;
    precisionRecall({ data: real.subarray(0, warm), dim }, { data: fake.subarray(0, warm), dim });
    const times: number[] = [];
    let result = { precision: Number.NaN, recall: Number.NaN };
    for (let r = 0; r < repeats; r++) {
      const started = performance.now();
      result = precisionRecall({ data: real, dim }, { data: fake, dim });
      times.push(performance.now() - started);
    }
    const ms = median(times);
    const name = `precision-recall d=${dim}`;
    log(
      `${name} (${n} × ${n}): js ${Math.round(ms)} ms, precision ${result.precision}, recall ${result.recall}` +
        (numpy === null
          ? ''
          : `; numpy ${Math.round(numpy.median_ms)} ms, ${numpy.precision === result.precision && numpy.recall === result.recall ? 'same answer' : `numpy says precision ${numpy.precision}, recall ${numpy.recall}`}`),
    );
    rows.push({
      name,
      backend: 'js',
      median_ms: Math.round(ms),
      yardstick: numpy === null ? null : 'numpy',
      yardstick_ms: numpy === null ? null : Math.round(numpy.median_ms),
      ratio: numpy === null ? null : Math.round((100 * ms) / numpy.median_ms) / 100,
      threads: 1,
    });
  }
  return rows;
}
