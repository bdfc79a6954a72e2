import { mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeSafetensors, initBackend } from '@ganbench/core';
import { type TrialConfig, trialParams } from '@ganbench/study-folder';
import { readMetrics, readRunJson } from '@ganbench/tracking';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointPath } from './checkpoint.js';
import { evaluateCheckpoint, runTrial } from './runTrial.js';

const CONFIG: TrialConfig = {
  dataset: { name: 'ring' },
  architecture: { name: 'mlp', options: { latentDim: 8, gWidth: 16, gLayers: 2, dWidth: 16, dLayers: 2 } },
  loss: { name: 'non-saturating', params: {} },
  regularizers: [{ name: 'r1', params: { gamma: 0.1 } }],
  normalization: { name: 'none', params: {} },
  training: {
    steps: 24,
    batchSize: 32,
    nDisc: 2,
    optimizer: { name: 'adam', lr: 1e-3, beta1: 0.5, beta2: 0.999 },
    discriminatorOptimizer: { name: 'adam', lr: 2e-3, beta1: 0.5, beta2: 0.999 },
    emaDecay: 0.9,
    unrolledSteps: 0,
    checkpointEvery: 8,
  },
  evaluation: { every: 8, samples: 200, metrics: ['modes_covered', 'high_quality', 'frechet_2d'] },
  seed: 3,
};

const root = mkdtempSync(path.join(tmpdir(), 'ganbench-trial-'));
const weights = (dir: string) => decodeSafetensors(new Uint8Array(readFileSync(checkpointPath(dir)))).arrays.map((a) => [a.name, Array.from(a.data)]);
const history = async (dir: string) => (await readMetrics(dir)).map(({ key, value, step }) => ({ key, value, step }));

describe('runTrial: one trial end to end into its run log', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('an interrupted trial resumed from its checkpoint ends exactly as the uninterrupted one (weights, Adam, EMA, data and latent streams, metrics)', async () => {
    const straightDir = path.join(root, 'straight');
    const straight = await runTrial(CONFIG, straightDir);
    expect(straight.status).toBe('finished');
    expect(straight.steps).toBe(24);
    expect(Object.keys(straight.final).sort()).toEqual(['frechet_2d', 'high_quality', 'modes_covered']);

    const resumedDir = path.join(root, 'resumed');
    const controller = new AbortController();
    const first = await runTrial(CONFIG, resumedDir, { signal: controller.signal, onProgress: ({ step }) => step === 13 && controller.abort() });
    expect(first).toMatchObject({ status: 'interrupted', steps: 13 });
    expect((await readRunJson(resumedDir)).status).toBe('KILLED');
    const second = await runTrial(CONFIG, resumedDir);
    expect(second.status).toBe('finished');
    expect(second.final).toEqual(straight.final);
    expect(second.best).toEqual(straight.best);
    expect(weights(resumedDir)).toEqual(weights(straightDir));
    expect(await history(resumedDir)).toEqual(await history(straightDir));
    expect((await readRunJson(resumedDir)).status).toBe('FINISHED');
  });

  it('resumes a spectrally normalized trial with a penalty, whose power-iteration vectors exist only after the first forward pass', async () => {
    const config: TrialConfig = {
      ...CONFIG,
      regularizers: [
        { name: 'r1', params: { gamma: 0.1, every: 1 } },
        { name: 'gradient-penalty', params: { lambda: 1, target: 1, oneSided: false, drift: 0, every: 1 } },
      ],
      normalization: { name: 'spectral', params: { iterations: 1 } },
      training: { ...CONFIG.training, steps: 16 },
    };
    const straightDir = path.join(root, 'sn-straight');
    await runTrial(config, straightDir);
    const resumedDir = path.join(root, 'sn-resumed');
    const controller = new AbortController();
    await runTrial(config, resumedDir, { signal: controller.signal, onProgress: ({ step }) => step === 9 && controller.abort() });
    expect((await runTrial(config, resumedDir)).status).toBe('finished');
    expect(weights(resumedDir)).toEqual(weights(straightDir));
    expect(weights(straightDir).some(([name]) => String(name).endsWith('sn_u'))).toBe(true);
  });

  it('logs the training statistics and evaluations, the resolved config and a scatter plot as artifacts, and MLflow params from the config', async () => {
    const dir = path.join(root, 'straight');
    const points = await history(dir);
    const keys = new Set(points.map((p) => p.key));
    for (const key of ['d_loss', 'g_loss', 'penalty', 'd_real', 'd_fake', 'd_grad_norm', 'g_grad_norm', 'modes_covered', 'frechet_2d'])
      expect(keys).toContain(key);
    expect(points.filter((p) => p.key === 'frechet_2d').map((p) => p.step)).toEqual([8, 16, 24]);
    expect(JSON.parse(readFileSync(path.join(dir, 'artifacts', 'config.json'), 'utf8'))).toEqual(CONFIG);
    expect(
      readFileSync(path.join(dir, 'artifacts', 'plots', 'snapshots.png'))
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    const run = await readRunJson(dir);
    expect(run.params).toMatchObject({
      loss: 'non-saturating',
      regularizers: 'r1',
      'regularizers.r1.gamma': '0.1',
      normalization: 'none',
      'architecture.gWidth': '16',
      'training.discriminatorOptimizer.lr': '0.002',
      seed: '3',
    });
    expect(run.params).toEqual(trialParams(CONFIG));
  });

  it('evaluating the final checkpoint again reproduces the final evaluation (same generator, EMA and latents), and takes another sample count', async () => {
    const dir = path.join(root, 'straight');
    const finalFile = path.join(dir, 'artifacts', 'checkpoint', 'final.safetensors');
    const logged = (await history(dir)).filter((p) => p.step === 24 && ['frechet_2d', 'high_quality', 'modes_covered'].includes(p.key));
    const again = await evaluateCheckpoint(CONFIG, finalFile);
    expect(Object.fromEntries(logged.map((p) => [p.key, p.value]))).toEqual(again);
    const more = await evaluateCheckpoint(CONFIG, finalFile, 400);
    expect(more.frechet_2d).not.toBe(again.frechet_2d);
    await expect(evaluateCheckpoint(CONFIG, path.join(dir, 'missing.safetensors'))).rejects.toThrow(/missing.safetensors' does not exist/);
  });

  it('a loss that becomes ±Inf or NaN stops the trial as diverged at that step', async () => {
    const exploding: TrialConfig = {
      ...CONFIG,
      loss: { name: 'wasserstein', params: {} },
      regularizers: [],
      training: {
        ...CONFIG.training,
        optimizer: { name: 'sgd', lr: 1e30, momentum: 0 },
        discriminatorOptimizer: { name: 'sgd', lr: 1e30, momentum: 0 },
      },
    };
    const dir = path.join(root, 'diverged');
    const outcome = await runTrial(exploding, dir);
    expect(outcome.status).toBe('diverged');
    expect(outcome.divergedAt).toBeGreaterThanOrEqual(1);
    expect(outcome.divergedAt).toBeLessThan(CONFIG.training.steps);
    const run = await readRunJson(dir);
    expect(run.status).toBe('FAILED');
    expect(run.tags['ganbench.status']).toBe('diverged');
  });

  it('a gradient norm that overflows while the losses stay finite is divergence too, recorded at that step with nothing logged after it', async () => {
    // Non-saturating loss, SGD at lr 10: D's gradient norm is +Inf at step 6 while both (saturating) losses stay finite;
    // before, the trial ran on to a "finished" record with an FID of 4e18.
    const sgd = { name: 'sgd', lr: 10, momentum: 0 } as const;
    const exploding: TrialConfig = {
      ...CONFIG,
      loss: { name: 'non-saturating', params: {} },
      regularizers: [],
      training: { ...CONFIG.training, steps: 50, nDisc: 1, optimizer: sgd, discriminatorOptimizer: sgd, emaDecay: null, checkpointEvery: 50 },
      evaluation: { ...CONFIG.evaluation, every: 50 },
      seed: 0,
    };
    const dir = path.join(root, 'overflow');
    const outcome = await runTrial(exploding, dir);
    const points = await readMetrics(dir);
    const firstNonFinite = Math.min(...points.filter((p) => !Number.isFinite(p.value)).map((p) => p.step));
    expect(outcome.status).toBe('diverged');
    expect(outcome.divergedAt).toBe(firstNonFinite);
    expect(outcome.steps).toBe(firstNonFinite);
    expect(Math.max(...points.map((p) => p.step))).toBe(firstNonFinite);
    const losses = points.filter((p) => p.step === firstNonFinite && (p.key === 'd_loss' || p.key === 'g_loss'));
    expect(losses.every((p) => Number.isFinite(p.value))).toBe(true);
  });
});
