/**
 * How to split a machine's cores between sweep workers and wasm threads (issue 18): for each step
 * line, the steps per second of one worker process with `cores` wasm threads against `cores`
 * worker processes with one thread each, running at the same time (the sweep's pool).
 *
 *   npx tsx bench/src/threadSplit.ts [--steps S] [--warmup W] [--cores C] [--only mlp,dcgan,…]
 *
 * One JSON line per step line on stdout; a child process (`--child NAME THREADS`) times one of them.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { initBackend, Rng } from '@ganbench/core';
import { BENCHED_ARCHITECTURES, createArchitectureStep } from './architectureBench.js';
import { BENCH_DCGAN, createDcganTrainer } from './dcganStep.js';
import { createMlpStep } from './mlpStep.js';
import { medianStepMs } from './runBench.js';

export const SPLIT_LINES = ['mlp', 'dcgan', ...BENCHED_ARCHITECTURES] as const;

function createStep(name: string): { step: () => void; dispose: () => void } {
  if (name === 'mlp') return createMlpStep();
  if (name === 'dcgan') {
    const trainer = createDcganTrainer(BENCH_DCGAN, new Rng(0));
    return { step: () => void trainer.step(), dispose: () => trainer.dispose() };
  }
  return createArchitectureStep(name);
}

/** In a child: median ms of `steps` steps of `name` after `warmup`, on wasm with `threads`. */
async function child(name: string, threads: number, steps: number, warmup: number): Promise<void> {
  await initBackend('wasm', { threads });
  const { step, dispose } = createStep(name);
  const medianMs = await medianStepMs(step, steps, warmup);
  dispose();
  process.stdout.write(`${JSON.stringify({ median_ms: medianMs })}\n`);
}

function runChild(name: string, threads: number, steps: number, warmup: number): Promise<number> {
  const script = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', script, '--child', name, String(threads), String(steps), String(warmup)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    p.stdout.on('data', (d) => {
      stdout += String(d);
    });
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) reject(new Error(`child ${name} (${threads} threads) exited ${code}`));
      else resolve((JSON.parse(stdout.trim().split('\n').pop() ?? '') as { median_ms: number }).median_ms);
    });
  });
}

export interface SplitRow {
  name: string;
  cores: number;
  /** One worker with `cores` threads. */
  one_worker_steps_per_s: number;
  /** `cores` workers with one thread each, together. */
  workers_steps_per_s: number;
  faster: 'one worker, all threads' | 'one worker per core';
}

export async function runThreadSplit(options: {
  lines: readonly string[];
  steps: number;
  warmup: number;
  cores: number;
  log: (s: string) => void;
}): Promise<SplitRow[]> {
  const rows: SplitRow[] = [];
  for (const name of options.lines) {
    const steps = name === 'mlp' ? options.steps * 20 : options.steps;
    const warmup = name === 'mlp' ? options.warmup * 20 : options.warmup;
    const oneMs = await runChild(name, options.cores, steps, warmup);
    const each = await Promise.all(Array.from({ length: options.cores }, () => runChild(name, 1, steps, warmup)));
    const one = 1000 / oneMs;
    const workers = each.reduce((s, ms) => s + 1000 / ms, 0);
    const row: SplitRow = {
      name,
      cores: options.cores,
      one_worker_steps_per_s: Math.round(one * 1000) / 1000,
      workers_steps_per_s: Math.round(workers * 1000) / 1000,
      faster: one > workers ? 'one worker, all threads' : 'one worker per core',
    };
    options.log(JSON.stringify(row));
    rows.push(row);
  }
  return rows;
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  await child(args[1] as string, Number(args[2]), Number(args[3]), Number(args[4]));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const flag = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? (args[i + 1] as string) : fallback;
  };
  await runThreadSplit({
    lines: flag('only', SPLIT_LINES.join(',')).split(','),
    steps: Number(flag('steps', '5')),
    warmup: Number(flag('warmup', '2')),
    cores: Number(flag('cores', String(Math.min(os.availableParallelism(), 2)))),
    log: (s) => process.stdout.write(`${s}\n`),
  });
}
