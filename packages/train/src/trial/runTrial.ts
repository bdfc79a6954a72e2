import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { checkArchitecture, getArchitecture } from '@ganbench/architectures';
import { Rng, tf } from '@ganbench/core';
import { type GaussianMixture, sampleMixturePoints } from '@ganbench/data';
import { imageGridPng, scatterSnapshots, writePlot } from '@ganbench/report';
import { regularizersLabel, type TrialConfig, trialParams } from '@ganbench/study-folder';
import { ARTIFACTS_DIR, RUN_JSON, RunLog } from '@ganbench/tracking';
import { createGanTrainer, type StepLosses } from '../ganTrainer.js';
import { getMetric } from '../metrics/registry.js';
import { compileObjective } from '../objective.js';
import { checkpointPath, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { openDataSource } from './dataSource.js';
import { createEvaluator, evaluationSampler } from './evaluate.js';
import { datasetObjectiveData } from './validate.js';

export interface TrialProgress {
  step: number;
  steps: number;
  metrics?: Record<string, number>;
}

export interface RunTrialOptions {
  /** Aborting checkpoints the trial and returns 'interrupted'; running it again resumes there. */
  signal?: AbortSignal;
  onProgress?(progress: TrialProgress): void;
  /** Tags for the run (study, config hash, git commit, …). */
  tags?: Record<string, string>;
}

export interface TrialOutcome {
  status: 'finished' | 'diverged' | 'interrupted';
  divergedAt?: number;
  final: Record<string, number>;
  best: Record<string, number>;
  steps: number;
  seconds: number;
}

/** Training metrics are logged at most this many times per run, so long runs keep small histories. */
const TRAINING_POINTS = 200;
/** Sample grids show this many images. */
const GRID_SAMPLES = 64;
const SCATTER_POINTS = 1000;
const SCATTER_PANELS = 5;

const trainingMetrics = (l: StepLosses): Record<string, number> => ({
  d_loss: l.dLoss,
  g_loss: l.gLoss,
  penalty: l.penalty,
  d_real: l.dReal,
  d_fake: l.dFake,
  d_grad_norm: l.dGradNorm,
  g_grad_norm: l.gGradNorm,
  g_penalty: l.gPenalty,
  // ADA's ada.p, LeCam's lecam.real, BEGAN's began.k and convergence measure.
  ...l.carried,
});

function improve(best: Record<string, number>, metrics: Record<string, number>): Record<string, number> {
  const out = { ...best };
  for (const [key, value] of Object.entries(metrics)) {
    const current = out[key];
    const better = current === undefined || !Number.isFinite(current) || (getMetric(key).goal === 'max' ? value > current : value < current);
    if (better && Number.isFinite(value)) out[key] = value;
  }
  return out;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A trial's data, model, evaluator and trainer, built from its config as training and re-evaluation both need them. */
async function openTrial(config: TrialConfig, samples: number) {
  const { training, evaluation } = config;
  // An architecture that counts images shown (ProGAN's schedule) takes the batch size as an option.
  const architectureBatch = config.architecture.options.batchSize;
  if (architectureBatch !== undefined && architectureBatch !== training.batchSize)
    throw new Error(
      `architecture.options.batchSize: ${architectureBatch} is not allowed with training.batchSize ${training.batchSize}; ${config.architecture.name} counts images shown with it, so they must be equal`,
    );
  const rng = new Rng(config.seed);
  const objective = compileObjective(config, datasetObjectiveData(config.dataset));
  const source = await openDataSource(config.dataset, rng.fork('data'));
  const context = { dataShape: source.shape, normalization: config.normalization.name };
  checkArchitecture(config.architecture.name, config.architecture.options, context);
  const model = getArchitecture(config.architecture.name).build(config.architecture.options, context, rng.fork('model'));
  const evaluator = await createEvaluator(config.dataset.name, source, evaluation.metrics, samples, rng.fork('evaluation'));
  const trainer = createGanTrainer(
    model,
    {
      objective,
      nDisc: training.nDisc,
      batchSize: training.batchSize,
      optimizer: training.optimizer,
      discriminatorOptimizer: training.discriminatorOptimizer,
      emaDecay: training.emaDecay,
      unrolledSteps: training.unrolledSteps,
    },
    rng.fork('train'),
  );
  const networks = { generator: model.generatorParams, discriminator: model.discriminatorParams };
  /** One evaluation's samples: the same latents at every evaluation of the trial. */
  const sampler = () => evaluationSampler((n, latents) => trainer.sample(n, latents), config.seed);
  const dispose = () => {
    trainer.dispose();
    evaluator.dispose();
    model.generatorParams.dispose();
    model.discriminatorParams.dispose();
  };
  return { source, evaluator, trainer, networks, sampler, dispose };
}

/**
 * Evaluates a trial's checkpoint `file` again (e.g. its artifacts/checkpoint/final.safetensors) with its config's
 * metrics on `samples` samples, drawn as its evaluations drew them; the trial's records are left as they are.
 */
export async function evaluateCheckpoint(config: TrialConfig, file: string, samples = config.evaluation.samples): Promise<Record<string, number>> {
  const trial = await openTrial(config, samples);
  try {
    const loaded = await loadCheckpoint(file, trial.networks);
    if (loaded === null) throw new Error(`checkpoint '${file}' does not exist`);
    await trial.trainer.restore(loaded.trainer);
    return await trial.evaluator.evaluate(trial.sampler());
  } finally {
    trial.dispose();
  }
}

/**
 * Trains one trial into `dir` (a local run log, see @ganbench/tracking): metrics as they come,
 * evaluations every `evaluation.every` steps and at the end, checkpoints every `checkpointEvery`
 * steps. A checkpoint in `dir` is resumed from; the result equals an uninterrupted run's.
 */
export async function runTrial(config: TrialConfig, dir: string, options: RunTrialOptions = {}): Promise<TrialOutcome> {
  const { training, evaluation } = config;
  const { source, evaluator, trainer, networks, sampler, dispose } = await openTrial(config, evaluation.samples);
  const checkpointFile = checkpointPath(dir);
  try {
    const resumed = await loadCheckpoint(checkpointFile, networks);
    let step = 0;
    let final: Record<string, number> = {};
    let best: Record<string, number> = {};
    let secondsBefore = 0;
    if (resumed !== null) {
      await trainer.restore(resumed.trainer);
      source.rng = new Rng(resumed.progress.dataRng);
      ({ step, final, best } = resumed.progress);
      secondsBefore = resumed.progress.seconds;
    }
    const tags = { ...options.tags, 'ganbench.backend': tf.getBackend() };
    // A run killed before its first checkpoint starts over: resumeFromStep 0 drops what it logged.
    const log = existsSync(path.join(dir, RUN_JSON))
      ? await RunLog.open(dir, { resumeFromStep: step })
      : await RunLog.create(dir, { name: runName(config), params: trialParams(config), tags });
    await log.setTags(tags);
    await log.addArtifact('config.json', `${JSON.stringify(config, null, 2)}\n`);
    const started = performance.now();
    const seconds = () => secondsBefore + (performance.now() - started) / 1000;
    const logEvery = Math.max(1, Math.floor(training.steps / TRAINING_POINTS));

    const checkpoint = () =>
      trainer.state().then((state) => saveCheckpoint(checkpointFile, networks, state, { step, dataRng: source.rng.state(), final, best, seconds: seconds() }));

    const evaluate = async () => {
      const metrics = await evaluator.evaluate(sampler());
      final = metrics;
      best = improve(best, metrics);
      await log.logMetrics(step, metrics);
      await writeSamples(step);
      return metrics;
    };

    const writeSamples = async (at: number) => {
      const samples = sampler()(source.mixture === null ? GRID_SAMPLES : SCATTER_POINTS);
      const shape = samples.shape;
      const values = await samples.data().finally(() => samples.dispose());
      const name = `samples/step-${String(at).padStart(6, '0')}`;
      if (source.mixture === null) await log.addArtifact(`${name}.png`, imageGridPng(values, shape as [number, number, number, number]));
      else await log.addArtifact(`${name}.json`, JSON.stringify(Array.from(values, (v) => Math.round(v * 1e4) / 1e4)));
    };

    while (step < training.steps) {
      if (options.signal?.aborted) {
        await checkpoint();
        await log.finish('KILLED');
        return { status: 'interrupted', final, best, steps: step, seconds: seconds() };
      }
      // Every number is read back asynchronously: the webgpu backend has no synchronous read under Node.
      const losses = await trainer.stepAsync((n) => source.sample(n));
      step++;
      const lossValues = trainingMetrics(losses);
      // Diverged: any loss, penalty, mean logit or gradient norm non-finite. A gradient norm can overflow while
      // saturating losses stay finite; the weights it moves are then ±Inf and every later value meaningless.
      if (!Object.values(lossValues).every(Number.isFinite)) {
        await log.logMetrics(step, lossValues);
        await log.setTag('ganbench.status', 'diverged');
        await log.finish('FAILED');
        return { status: 'diverged', divergedAt: step, final, best, steps: step, seconds: seconds() };
      }
      if (step % logEvery === 0 || step === training.steps) await log.logMetrics(step, lossValues);
      let metrics: Record<string, number> | undefined;
      if (step % evaluation.every === 0 || step === training.steps) metrics = await evaluate();
      if (step % training.checkpointEvery === 0 || step === training.steps) await checkpoint();
      options.onProgress?.({ step, steps: training.steps, ...(metrics === undefined ? {} : { metrics }) });
      await yieldToEventLoop();
    }
    await log.addArtifact('checkpoint/final.safetensors', await readFile(checkpointFile));
    if (source.mixture !== null) await writeScatter(dir, source.mixture, config);
    await log.setTag('ganbench.status', 'finished');
    await log.finish('FINISHED');
    return { status: 'finished', final, best, steps: step, seconds: seconds() };
  } finally {
    dispose();
  }
}

const pairs = (flat: ArrayLike<number>): [number, number][] =>
  Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i] as number, flat[2 * i + 1] as number]);

/** The generated points saved at each evaluation, over the real mixture: mode collapse at a glance. */
async function writeScatter(dir: string, mixture: GaussianMixture, config: TrialConfig): Promise<void> {
  const samplesDir = path.join(dir, ARTIFACTS_DIR, 'samples');
  const files = (await readdir(samplesDir)).filter((f) => f.endsWith('.json')).sort();
  const chosen = files.filter((_, i) => files.length <= SCATTER_PANELS || i % Math.ceil(files.length / SCATTER_PANELS) === 0 || i === files.length - 1);
  const snapshots = await Promise.all(
    chosen.map(async (file) => {
      const flat = JSON.parse(await readFile(path.join(samplesDir, file), 'utf8')) as number[];
      return { title: `step ${Number(file.slice(5, 11))}`, fake: pairs(flat) };
    }),
  );
  const real = sampleMixturePoints(mixture, SCATTER_POINTS, new Rng(config.seed).fork('scatter-real'));
  const extent = Math.max(...mixture.modes.map(([x, y]) => Math.max(Math.abs(x), Math.abs(y)))) * 1.5;
  const spec = scatterSnapshots({
    real: pairs(real),
    snapshots,
    columns: snapshots.length,
    title: runName(config),
    domain: [
      [-extent, extent],
      [-extent, extent],
    ],
  });
  await writePlot(path.join(dir, ARTIFACTS_DIR, 'plots'), 'snapshots', spec);
}

function runName(config: TrialConfig): string {
  return trialName(config);
}

/** `loss + regularizers [+ normalization] (seed s)`: how a trial is named in MLflow, progress lines and plots. */
export function trialName(config: TrialConfig): string {
  const normalization = config.normalization.name === 'none' ? '' : ` + ${config.normalization.name} norm`;
  return `${config.loss.name} + ${regularizersLabel(config.regularizers)}${normalization} (seed ${config.seed})`;
}
