import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { type BackendName, initBackend, installedVersion, OPTIONAL_BACKEND_PACKAGES, Rng, tf } from '@ganbench/core';
import { BENCH_DCGAN, createDcganTrainer, type DcganStepConfig, dcganStepFlops } from './dcganStep.js';
import { kernelFlops } from './kernelFlops.js';

/** One benchmark line; every ganbench benchmark prints this shape (`--json`: one object per line). */
export interface BenchRow {
  name: string;
  backend: string;
  median_ms: number;
  yardstick: string | null;
  yardstick_ms: number | null;
  ratio: number | null;
  /** CPU threads the backend ran on (wasm: XNNPACK's pool; cpu: 1); the yardstick got the same. */
  threads: number;
  gflop_per_s?: number;
  peak_pct?: number;
  /** Steps per second (1000 / median_ms), for the steps that take about a millisecond; and the yardstick's. */
  steps_per_s?: number;
  yardstick_steps_per_s?: number;
}

export interface BenchOptions {
  backends: BackendName[];
  steps: number;
  warmup: number;
  /** Threads for wasm's kernels (--threads) and for PyTorch alike. */
  threads: number;
  /** Time the PyTorch yardstick when a Python with torch is found. */
  torch: boolean;
  log: (line: string) => void;
}

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Median wall milliseconds of `steps` calls of `step` after `warmup` untimed ones. */
export async function medianStepMs(step: () => void | Promise<void>, steps: number, warmup: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await step();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await step();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** Runs a PyTorch yardstick script of bench/ and returns the JSON object on its last line, or null when it fails. */
export function runTorchJson(python: string, script: string, args: readonly string[]): Record<string, number> | null {
  const file = fileURLToPath(new URL(`../${script}`, import.meta.url));
  if (!existsSync(file)) return null;
  const run = spawnSync(python, [file, ...args], { encoding: 'utf8', timeout: 600_000 });
  if (run.status !== 0) return null;
  const last = run.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as Record<string, number>;
}

/** `key` of what runTorchJson returns, or null. */
export function runTorchScript(python: string, script: string, args: readonly string[], key: string): number | null {
  return runTorchJson(python, script, args)?.[key] ?? null;
}

/** The backends a plain `pnpm bench` measures: wasm and whichever native backends are installed (cpu only when asked: ~100× slower). */
export function defaultBenchBackends(): BackendName[] {
  const native = (Object.keys(OPTIONAL_BACKEND_PACKAGES) as (keyof typeof OPTIONAL_BACKEND_PACKAGES)[]).filter(
    (name) => installedVersion(OPTIONAL_BACKEND_PACKAGES[name]) !== null,
  );
  return ['wasm', ...native];
}

/**
 * Nominal single-precision FMA peak of this machine on `threads` threads: cores (at most `threads`) ×
 * clock × FLOP/cycle (2 FMA ports × vector lanes × 2). The clock is what /proc/cpuinfo reports, not the turbo clock.
 */
export function nominalPeakGflops(threads = os.availableParallelism()): { gflops: number; basis: string } | null {
  let cpuinfo: string;
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return null;
  }
  const mhz = Number(/cpu MHz\s*:\s*([\d.]+)/.exec(cpuinfo)?.[1]);
  const flags = /flags\s*:\s*(.*)/.exec(cpuinfo)?.[1]?.split(' ') ?? [];
  if (!Number.isFinite(mhz) || mhz <= 0) return null;
  const lanes = flags.includes('avx512f') ? 16 : flags.includes('avx2') ? 8 : 4;
  const perCycle = 2 * lanes * (flags.includes('fma') ? 2 : 1);
  const cores = Math.min(threads, os.availableParallelism());
  return {
    gflops: (cores * mhz * perCycle) / 1000,
    basis: `${cores} cores × ${mhz} MHz × ${perCycle} FLOP/cycle`,
  };
}

/** Median milliseconds of a step on the current backend; on webgpu (no synchronous read under Node) the losses come back asynchronously. */
async function timeSteps(config: DcganStepConfig, steps: number, warmup: number): Promise<number> {
  const trainer = createDcganTrainer(config, new Rng(0));
  const onWebgpu = tf.getBackend() === 'webgpu';
  try {
    return await medianStepMs(async () => (onWebgpu ? void (await trainer.stepAsync()) : void trainer.step()), steps, warmup);
  } finally {
    trainer.dispose();
  }
}

export interface KernelTime {
  kernel: string;
  ms_per_step: number;
  /** Of the summed kernel time. */
  share: number;
  calls_per_step: number;
  /** From the kernel's shapes (kernelFlops): convolutions, their gradients, matrix products; null for the rest. */
  gflop_per_step: number | null;
  gflop_per_s: number | null;
}

/** Where a step's time goes: each kernel, and the wall time of the profiled steps against the kernels' sum. */
export interface StepProfile {
  kernels: KernelTime[];
  /** Median wall time of an unprofiled step. */
  step_ms: number;
  /** Mean wall time of a profiled step (tf.profile's bookkeeping included). */
  profiled_step_ms: number;
  /** Summed kernel time of a profiled step (mean). */
  kernel_ms: number;
  /** profiled_step_ms − kernel_ms: the engine, the tape, tidy/dispose, uploads and reads, JavaScript between kernels (and tf.profile's own bookkeeping). */
  outside_ms: number;
  /** outside_ms / profiled_step_ms. */
  outside_share: number;
  /** GFLOP/s of the counted kernels over the unprofiled step's wall time. */
  step_gflop_per_s: number | null;
}

/** Milliseconds per step spent in each tfjs kernel (tf.profile), largest first: where the step's time goes. */
export async function profileDcganStep(config: DcganStepConfig, steps: number, warmup: number): Promise<StepProfile> {
  const trainer = createDcganTrainer(config, new Rng(0));
  try {
    return await profileStep(() => trainer.step(), steps, warmup);
  } finally {
    trainer.dispose();
  }
}

/**
 * `step`'s time: first the median wall time of `steps` plain calls after `warmup`, then
 * milliseconds per call in each tfjs kernel (tf.profile, mean over `steps` more calls), longest
 * first, with GFLOP/s where the kernel's FLOPs are counted, and the time of those same calls outside
 * kernels (on a loaded machine, the plain and the profiled calls can run at different speeds).
 */
export async function profileStep(step: () => void, steps: number, warmup: number): Promise<StepProfile> {
  const stepMs = await medianStepMs(step, steps, warmup);
  const totals = new Map<string, { ms: number; calls: number; flops: number | null }>();
  let profiledMs = 0;
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    const info = await tf.profile(() => {
      step();
    });
    profiledMs += (performance.now() - t0) / steps;
    for (const k of info.kernels) {
      const entry = totals.get(k.name) ?? { ms: 0, calls: 0, flops: 0 };
      entry.ms += ((await k.kernelTimeMs) as number) / steps;
      entry.calls += 1 / steps;
      const flops = kernelFlops(k.name, k.inputShapes, k.outputShapes);
      entry.flops = flops === null || entry.flops === null ? null : entry.flops + flops / steps;
      totals.set(k.name, entry);
    }
  }
  const kernelMs = [...totals.values()].reduce((a, b) => a + b.ms, 0);
  const countedFlops = [...totals.values()].reduce((a, b) => a + (b.flops ?? 0), 0);
  const kernels = [...totals.entries()]
    .sort((a, b) => b[1].ms - a[1].ms)
    .map(([kernel, { ms, calls, flops }]) => ({
      kernel,
      ms_per_step: round(ms),
      share: Math.round((ms / kernelMs) * 1e4) / 1e4,
      calls_per_step: round(calls),
      gflop_per_step: flops === null || flops === 0 ? null : Math.round(flops / 1e6) / 1e3,
      gflop_per_s: flops === null || flops === 0 || ms <= 0 ? null : round(flops / (ms * 1e6)),
    }));
  return {
    kernels,
    step_ms: round(stepMs),
    profiled_step_ms: round(profiledMs),
    kernel_ms: round(kernelMs),
    outside_ms: round(profiledMs - kernelMs),
    outside_share: Math.round(((profiledMs - kernelMs) / profiledMs) * 1e4) / 1e4,
    step_gflop_per_s: countedFlops === 0 ? null : round(countedFlops / (stepMs * 1e6)),
  };
}

/** A Python that can import `modules` (e.g. 'torch', 'numpy, scipy.linalg'): $GANBENCH_PYTHON, python3, or Debian's /usr/bin/python3. */
export function findPython(modules: string): string | null {
  const candidates = [process.env.GANBENCH_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => Boolean(c));
  for (const python of candidates) {
    if (spawnSync(python, ['-c', `import ${modules}`], { stdio: 'ignore', timeout: 60_000 }).status === 0) return python;
  }
  return null;
}

function timeTorch(python: string, penalty: 'none' | 'gp', threads: number, steps: number, warmup: number): number | null {
  const args = ['--threads', String(threads), '--penalty', penalty, '--steps', String(steps), '--warmup', String(warmup)];
  return runTorchScript(python, 'torch_dcgan_step.py', args, 'median_ms');
}

/** Times one DCGAN step (with and without WGAN-GP) on each backend and PyTorch in the same run. */
export async function runDcganBench(options: BenchOptions): Promise<BenchRow[]> {
  const { threads } = options;
  const python = options.torch ? findPython('torch') : null;
  if (options.torch && python === null) options.log('PyTorch not found (set GANBENCH_PYTHON or install Debian python3-torch); no yardstick');
  const peak = nominalPeakGflops(threads);
  const rows: BenchRow[] = [];
  for (const penalty of ['none', 'gp'] as const) {
    const config: DcganStepConfig = { ...BENCH_DCGAN, penalty };
    const name = penalty === 'none' ? 'dcgan-step' : 'dcgan-step+gp';
    const torchMs = python === null ? null : timeTorch(python, penalty, threads, options.steps, options.warmup);
    for (const backend of options.backends) {
      await initBackend(backend, { threads });
      const ms = await timeSteps(config, options.steps, options.warmup);
      const gflops = dcganStepFlops(config) / (ms * 1e6);
      rows.push({
        name,
        backend,
        median_ms: round(ms),
        yardstick: torchMs === null ? null : `pytorch-${threads}-threads`,
        yardstick_ms: torchMs === null ? null : round(torchMs),
        ratio: torchMs === null ? null : round(ms / torchMs),
        threads: backend === 'cpu' || backend === 'webgpu' ? 1 : threads,
        gflop_per_s: round(gflops),
        ...(peak === null ? {} : { peak_pct: round((100 * gflops) / peak.gflops) }),
      });
      options.log(`${name} on ${backend}: ${round(ms)} ms`);
    }
  }
  if (peak !== null) options.log(`peak_pct is of the nominal FMA peak ${round(peak.gflops)} GFLOP/s (${peak.basis}); tfjs version ${tf.version_core}`);
  return rows;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

export function formatTable(rows: BenchRow[]): string {
  const header = ['name', 'backend', 'threads', 'median_ms', 'yardstick', 'yardstick_ms', 'ratio', 'GFLOP/s', '% peak', 'steps/s (yardstick)'];
  const perSecond = (r: BenchRow) => (r.steps_per_s === undefined ? '-' : `${r.steps_per_s} (${r.yardstick_steps_per_s ?? '-'})`);
  const body = rows.map((r) =>
    [
      r.name,
      r.backend,
      r.threads,
      r.median_ms,
      r.yardstick ?? '-',
      r.yardstick_ms ?? '-',
      r.ratio ?? '-',
      r.gflop_per_s ?? '-',
      r.peak_pct ?? '-',
      perSecond(r),
    ].map(String),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
