import { getArchitecture, listArchitectures, resolveArchitectureOptions } from '@ganbench/architectures';
import { initBackend, type OptionValues, Rng, tf } from '@ganbench/core';
import { NO_REGULARIZER } from '@ganbench/regularizers';
import type { OptimizerConfig } from '@ganbench/study-folder';
import { compileObjective, createGanTrainer, type GanModel, type GanTrainer } from '@ganbench/train';
import { type BenchOptions, type BenchRow, findPython, medianStepMs, runTorchScript } from './runBench.js';

/**
 * Issue 7's setting: 32×32×3 images, batch 32, each architecture at its default options with its
 * recommended training, at width 16 (a default-width SAGAN step takes minutes on 2 cores), the
 * median over a few steps.
 */
export const ARCHITECTURE_BENCH = { resolution: 32, channels: 3, batch: 32, width: 16, steps: 3, warmup: 1 } as const;
/** Architectures with a PyTorch twin in bench/torch_<name>_step.py. */
export const BENCHED_ARCHITECTURES = ['sagan', 'progan', 'stylegan2'] as const;

const DEFAULT_ADAM: OptimizerConfig = { name: 'adam', lr: 2e-4, beta1: 0.5, beta2: 0.999 };

/** Options for the bench: the bench's width, the batch where the network counts images, fully grown where it grows (ProGAN's `imagesPerPhase` 0). */
function benchOptions(name: string): OptionValues {
  const { options } = getArchitecture(name);
  return resolveArchitectureOptions(name, {
    ...('width' in options ? { width: ARCHITECTURE_BENCH.width } : {}),
    ...('batchSize' in options ? { batchSize: ARCHITECTURE_BENCH.batch } : {}),
    ...('imagesPerPhase' in options ? { imagesPerPhase: 0 } : {}),
  });
}

/** What a bench step trains with; the one place the bench builds a trainer (createGanTrainer's config), for every step line. */
export interface BenchTraining {
  loss: { name: string; params: OptionValues };
  regularizer: { name: string; params: OptionValues } | null;
  batch: number;
  optimizer: OptimizerConfig;
  discriminatorOptimizer: OptimizerConfig;
}

/** The trial loop's trainer (n_disc 1) for `model` with `training`. */
export function createBenchTrainer(model: GanModel, training: BenchTraining, rng: Rng): GanTrainer {
  const { regularizer } = training;
  return createGanTrainer(
    model,
    {
      objective: compileObjective({
        loss: training.loss,
        regularizers: regularizer === null || regularizer.name === NO_REGULARIZER ? [] : [regularizer],
      }),
      nDisc: 1,
      batchSize: training.batch,
      optimizer: training.optimizer,
      discriminatorOptimizer: training.discriminatorOptimizer,
    },
    rng,
  );
}

/** One training step (n_disc D steps + one G step) of `name` in the bench's setting, on the current backend. */
export function createArchitectureStep(name: string): { step: () => void; stepAsync: () => Promise<void>; dispose: () => void } {
  const { recommended } = getArchitecture(name);
  const rng = new Rng(0);
  const { resolution, channels, batch } = ARCHITECTURE_BENCH;
  const model = getArchitecture(name).build(benchOptions(name), { dataShape: [resolution, resolution, channels] }, rng.fork('model'));
  const trainer = createBenchTrainer(
    model,
    {
      loss: { name: recommended?.loss.name ?? 'non-saturating', params: recommended?.loss.params ?? {} },
      regularizer: recommended?.regularizer ?? null,
      batch,
      optimizer: recommended?.optimizer ?? DEFAULT_ADAM,
      discriminatorOptimizer: recommended?.discriminatorOptimizer ?? recommended?.optimizer ?? DEFAULT_ADAM,
    },
    rng.fork('train'),
  );
  const real = tf.randomUniform([batch, resolution, resolution, channels], -1, 1, 'float32', 0);
  return {
    step: () => {
      trainer.step(() => real.clone());
    },
    // webgpu has no synchronous read under Node: the step's numbers come back asynchronously.
    stepAsync: async () => {
      await trainer.stepAsync(() => real.clone());
    },
    dispose: () => {
      real.dispose();
      trainer.dispose();
      model.generatorParams.dispose();
      model.discriminatorParams.dispose();
    },
  };
}

/** Median milliseconds of one training step on the current backend (webgpu: reading its numbers back asynchronously). */
async function timeArchitectureStep(name: string, steps: number, warmup: number): Promise<number> {
  const { step, stepAsync, dispose } = createArchitectureStep(name);
  const onWebgpu = tf.getBackend() === 'webgpu';
  try {
    return await medianStepMs(onWebgpu ? stepAsync : step, steps, warmup);
  } finally {
    dispose();
  }
}

function timeTorch(python: string, name: string, threads: number, steps: number, warmup: number): number | null {
  const args = ['--threads', String(threads), '--steps', String(steps), '--warmup', String(warmup), '--width', String(ARCHITECTURE_BENCH.width)];
  return runTorchScript(python, `torch_${name}_step.py`, args, 'ms_per_step');
}

/** One line per registered architecture of BENCHED_ARCHITECTURES and backend, against its PyTorch twin in the same run. */
export async function runArchitectureBench(options: BenchOptions): Promise<BenchRow[]> {
  const registered = new Set(listArchitectures().map((a) => a.name));
  const python = options.torch ? findPython('torch') : null;
  const rows: BenchRow[] = [];
  const steps = Math.min(options.steps, ARCHITECTURE_BENCH.steps);
  const warmup = Math.min(options.warmup, ARCHITECTURE_BENCH.warmup);
  for (const name of BENCHED_ARCHITECTURES.filter((n) => registered.has(n))) {
    const torchMs = python === null ? null : timeTorch(python, name, options.threads, steps, warmup);
    for (const backend of options.backends) {
      await initBackend(backend, { threads: options.threads });
      const ms = await timeArchitectureStep(name, steps, warmup);
      const round = (x: number) => Math.round(x * 100) / 100;
      rows.push({
        name: `${name}-step`,
        backend,
        median_ms: round(ms),
        yardstick: torchMs === null ? null : `pytorch-${options.threads}-threads`,
        yardstick_ms: torchMs === null ? null : round(torchMs),
        ratio: torchMs === null ? null : round(ms / torchMs),
        threads: backend === 'cpu' || backend === 'webgpu' ? 1 : options.threads,
      });
      options.log(`${name}-step on ${backend}: ${round(ms)} ms`);
    }
  }
  return rows;
}
