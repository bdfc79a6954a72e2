/**
 * A stand-in for trialWorker.ts in the pool's tests: it "trains" by sleeping per step, so the
 * pool can be tested without TensorFlow.js. Behaviour comes from the trial's architecture
 * options: stepMs (sleep per step), crashAt (the process exits with code 3 at that step),
 * throwAt (the trial throws), divergeAt (status diverged), killOnceAt and throwOnceAt (the process
 * SIGKILLs itself, or the trial throws, at that step the first time only: a marker file in the
 * trial's folder remembers it, so a rerun goes through); or FAKE_WORKER_CRASH_SEED in the
 * environment (crash at step 1 for that seed). It checkpoints every
 * checkpointEvery steps and when aborted, resumes from its checkpoint, and appends each step it
 * runs to steps.log so a test can count the work done.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { serveTrials } from '../protocol.js';

function readCheckpoint(file: string): number {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { step: number }).step;
  } catch {
    return 0;
  }
}

function writeCheckpoint(file: string, step: number): void {
  writeFileSync(`${file}.tmp`, JSON.stringify({ step }));
  renameSync(`${file}.tmp`, file);
}

serveTrials(async ({ config, dir, backend }, { signal, onProgress }) => {
  const options = config.architecture.options;
  // FAKE_WORKER_CRASH_SEED: crash at step 1 for that seed, for studies whose options must stay valid.
  const crashSeed = process.env.FAKE_WORKER_CRASH_SEED === undefined ? undefined : Number(process.env.FAKE_WORKER_CRASH_SEED);
  const env: Record<string, number> = crashSeed === config.seed ? { crashAt: 1 } : {};
  const number = (key: string, fallback: number) => (typeof options[key] === 'number' ? (options[key] as number) : (env[key] ?? fallback));
  const stepMs = number('stepMs', 5);
  const started = Date.now();
  mkdirSync(join(dir, 'checkpoint'), { recursive: true });
  const checkpoint = join(dir, 'checkpoint', 'fake.json');
  const resumedFrom = readCheckpoint(checkpoint);
  const steps = config.training.steps;
  const final = {
    frechet_2d: 1 / (1 + config.seed),
    resumed_from: resumedFrom,
    pid: process.pid,
    gpu: Number(process.env.CUDA_VISIBLE_DEVICES ?? -1),
    webgpu_gpu: Number(process.env.GANBENCH_WEBGPU_GPU ?? -1),
    gpu_backend: backend === 'tensorflow-gpu' ? 1 : backend === 'webgpu' ? 2 : 0,
  };
  for (let step = resumedFrom + 1; step <= steps; step++) {
    if (signal.aborted) {
      writeCheckpoint(checkpoint, step - 1);
      return { status: 'interrupted', final: {}, best: {}, steps: step - 1, seconds: (Date.now() - started) / 1000 };
    }
    await sleep(stepMs);
    if (step === number('crashAt', -1)) {
      process.stderr.write(`fake worker: crashing at step ${step}\n`);
      process.exit(3);
    }
    if (step === number('throwAt', -1)) throw new Error(`fake trial failed at step ${step}`);
    const once = (key: string): boolean => {
      const marker = join(dir, `${key}.done`);
      if (step !== number(key, -1) || existsSync(marker)) return false;
      writeFileSync(marker, '');
      return true;
    };
    if (once('throwOnceAt')) throw new Error(`fake trial failed once at step ${step}`);
    if (once('killOnceAt')) {
      // As the OOM killer does: no handler runs, nothing is reported.
      process.kill(process.pid, 'SIGKILL');
      await sleep(60_000);
    }
    appendFileSync(join(dir, 'steps.log'), `${step}\n`);
    if (step === number('divergeAt', -1))
      return { status: 'diverged', divergedAt: step, final, best: final, steps: step, seconds: (Date.now() - started) / 1000 };
    if (step % config.training.checkpointEvery === 0 || step === steps) writeCheckpoint(checkpoint, step);
    onProgress({ step, steps, ...(step % config.evaluation.every === 0 ? { metrics: { frechet_2d: final.frechet_2d } } : {}) });
  }
  return { status: 'finished', final, best: final, steps, seconds: (Date.now() - started) / 1000 };
});
