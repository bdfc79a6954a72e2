import { getArchitecture, resolveArchitectureOptions } from '@ganbench/architectures';
import { initBackend, Rng } from '@ganbench/core';
import { getMixture, sampleMixture } from '@ganbench/data';
import { createBenchTrainer } from './architectureBench.js';
import { type BenchOptions, type BenchRow, findPython, medianStepMs, runTorchScript } from './runBench.js';

/**
 * The quick study's trial (experiments/quick.yaml): the 2-D ring, G 16 → 64 → 64 → 2 and
 * D 2 → 64 → 64 → 1 (ReLU), batch 128, Adam(1e-3, 0.5, 0.999), n_disc 1, the non-saturating
 * loss, no regularizer; bench/torch_mlp_step.py is the same network in PyTorch.
 */
export const MLP_BENCH = { batch: 128, latentDim: 16, width: 64, layers: 2, lr: 1e-3, beta1: 0.5, beta2: 0.999 } as const;

/** One trial step (D step + G step, its eight numbers read back) of the quick study's MLP GAN on the current backend. */
export function createMlpStep(seed = 0): { step: () => void; stepAsync: () => Promise<void>; dispose: () => void } {
  const rng = new Rng(seed);
  const { latentDim, width, layers, batch, lr, beta1, beta2 } = MLP_BENCH;
  const options = resolveArchitectureOptions('mlp', { latentDim, gWidth: width, gLayers: layers, dWidth: width, dLayers: layers });
  const model = getArchitecture('mlp').build(options, { dataShape: [2] }, rng.fork('model'));
  const optimizer = { name: 'adam', lr, beta1, beta2 } as const;
  const trainer = createBenchTrainer(
    model,
    { loss: { name: 'non-saturating', params: {} }, regularizer: null, batch, optimizer, discriminatorOptimizer: optimizer },
    rng.fork('train'),
  );
  const ring = getMixture('ring');
  const dataRng = rng.fork('data');
  const sample = (n: number) => sampleMixture(ring, n, dataRng);
  return {
    step: () => {
      trainer.step(sample);
    },
    stepAsync: async () => {
      await trainer.stepAsync(sample);
    },
    dispose: () => {
      trainer.dispose();
      model.generatorParams.dispose();
      model.discriminatorParams.dispose();
    },
  };
}

/** Median milliseconds of a step, read back as trials read it (asynchronously). */
async function timeMlpSteps(steps: number, warmup: number): Promise<number> {
  const { stepAsync, dispose } = createMlpStep();
  try {
    return await medianStepMs(stepAsync, steps, warmup);
  } finally {
    dispose();
  }
}

function timeTorch(python: string, threads: number, steps: number, warmup: number): number | null {
  return runTorchScript(python, 'torch_mlp_step.py', ['--threads', String(threads), '--steps', String(steps), '--warmup', String(warmup)], 'median_ms');
}

/** Steps per second of the quick study's MLP trial step on each backend against bench/torch_mlp_step.py in the same run. */
export async function runMlpBench(options: BenchOptions): Promise<BenchRow[]> {
  const python = options.torch ? findPython('torch') : null;
  // A step is about a millisecond: many more of them than of the convolutional steps.
  const steps = Math.max(200, options.steps * 10);
  const warmup = Math.max(50, options.warmup * 10);
  const torchMs = python === null ? null : timeTorch(python, options.threads, steps, warmup);
  const rows: BenchRow[] = [];
  const round = (x: number) => Math.round(x * 1000) / 1000;
  for (const backend of options.backends) {
    await initBackend(backend, { threads: options.threads });
    const ms = await timeMlpSteps(steps, warmup);
    rows.push({
      name: 'mlp-step',
      backend,
      median_ms: round(ms),
      yardstick: torchMs === null ? null : `pytorch-${options.threads}-threads`,
      yardstick_ms: torchMs === null ? null : round(torchMs),
      ratio: torchMs === null ? null : Math.round((100 * ms) / torchMs) / 100,
      threads: backend === 'cpu' || backend === 'webgpu' ? 1 : options.threads,
      steps_per_s: Math.round(1000 / ms),
      ...(torchMs === null ? {} : { yardstick_steps_per_s: Math.round(1000 / torchMs) }),
    });
    options.log(`mlp-step on ${backend}: ${round(ms)} ms (${Math.round(1000 / ms)} steps/s)${torchMs === null ? '' : `; PyTorch ${round(torchMs)} ms`}`);
  }
  return rows;
}
