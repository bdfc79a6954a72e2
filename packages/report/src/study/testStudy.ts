/** Synthetic study folders for this package's tests only (not exported). Records look like @ganbench/train's TrialRecord. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface SyntheticTrial {
  id: string;
  loss: string;
  /** Written as trials.jsonl held it before the normalization axis (`regularizer: {name, params}`), unless `normalization` is given. */
  regularizer: string;
  /** When given: today's form, `regularizers` ('+'-joined names in `regularizer`, none: empty) and this normalization. */
  normalization?: string;
  seed?: number;
  lr?: number;
  status?: 'finished' | 'diverged' | 'failed';
  /** best[metric]; undefined leaves it out (no evaluation reached). */
  best?: number | string | null;
  final?: number | string | null;
  divergedAt?: number;
  metric?: string;
  goal?: 'min' | 'max';
  dataset?: string;
  architecture?: string;
  error?: string;
}

const regularizerParams = (name: string) => (name === 'gradient-penalty' ? { lambda: 10 } : {});

/** A full trials.jsonl record, shaped like TrialRecord (resolved config with training and evaluation settings). */
export function trialRecord(trial: SyntheticTrial): Record<string, unknown> {
  const metric = trial.metric ?? 'fid';
  const lr = trial.lr ?? 2e-4;
  return {
    id: trial.id,
    study: 'synthetic',
    config: {
      dataset: { name: trial.dataset ?? 'ring' },
      architecture: { name: trial.architecture ?? 'mlp', options: { width: 64 } },
      loss: { name: trial.loss, params: {} },
      ...(trial.normalization === undefined
        ? { regularizer: { name: trial.regularizer, params: regularizerParams(trial.regularizer) } }
        : {
            regularizers: trial.regularizer === 'none' ? [] : trial.regularizer.split('+').map((name) => ({ name, params: regularizerParams(name) })),
            normalization: { name: trial.normalization, params: trial.normalization === 'spectral' ? { iterations: 1 } : {} },
          }),
      training: {
        steps: 100,
        batchSize: 64,
        nDisc: 1,
        optimizer: { name: 'adam', lr, beta1: 0.5, beta2: 0.999 },
        discriminatorOptimizer: { name: 'adam', lr, beta1: 0.5, beta2: 0.999 },
        emaDecay: null,
        unrolledSteps: 0,
        checkpointEvery: 50,
      },
      evaluation: { every: 50, samples: 1000, metrics: [metric] },
      seed: trial.seed ?? 0,
    },
    status: trial.status ?? 'finished',
    ...(trial.error !== undefined ? { error: trial.error } : {}),
    ...(trial.divergedAt !== undefined ? { divergedAt: trial.divergedAt } : {}),
    final: trial.final === undefined ? {} : { [metric]: trial.final },
    best: trial.best === undefined ? {} : { [metric]: trial.best },
    primary: { metric, goal: trial.goal ?? 'min' },
    steps: trial.divergedAt ?? 100,
    seconds: 1.5,
    finishedAt: '2025-01-01T00:00:00.000Z',
  };
}

export function jsonLines(values: readonly unknown[]): string {
  return values.map((value) => `${JSON.stringify(value)}\n`).join('');
}

/** Step-wise metrics like a trial's run log: d_loss and g_loss every 10 steps, the metric every 50. */
export function metricLines(metric: string, finalValue: number, steps = 100): string {
  const points: unknown[] = [];
  for (let step = 0; step <= steps; step += 10) {
    points.push({ key: 'd_loss', value: 1.4 - step / (2 * steps), step, timestamp: 1763800000000 + step });
    points.push({ key: 'g_loss', value: 0.7 + step / (4 * steps), step, timestamp: 1763800000000 + step });
    if (step % 50 === 0) points.push({ key: metric, value: finalValue * (2 - step / steps), step, timestamp: 1763800000000 + step });
  }
  return jsonLines(points);
}

/** Writes study.json, trials.jsonl and each trial's metrics.jsonl (for those with a numeric best). */
export async function writeSyntheticStudy(dir: string, trials: readonly SyntheticTrial[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, 'study.json'),
    JSON.stringify({ name: 'synthetic', hash: 'abc123', source: 'experiments/synthetic.yaml', createdAt: '2025-01-01T00:00:00.000Z', tags: {}, params: {} }),
  );
  await writeFile(path.join(dir, 'trials.jsonl'), jsonLines(trials.map(trialRecord)));
  for (const trial of trials) {
    if (typeof trial.best !== 'number') continue;
    await mkdir(path.join(dir, 'trials', trial.id), { recursive: true });
    await writeFile(path.join(dir, 'trials', trial.id, 'metrics.jsonl'), metricLines(trial.metric ?? 'fid', trial.best));
  }
}

/** The hand-computed study of the tests: FID (lower is better), 2 losses × 2 regularizers. */
export const HAND_STUDY: SyntheticTrial[] = [
  { id: 'ns-none-1', loss: 'non-saturating', regularizer: 'none', lr: 1e-4, best: 30, final: 31 },
  { id: 'ns-none-2', loss: 'non-saturating', regularizer: 'none', lr: 2e-4, best: 20, final: 22 },
  { id: 'ns-none-3', loss: 'non-saturating', regularizer: 'none', lr: 2e-4, seed: 1, best: 25, final: 26 },
  { id: 'ns-gp-1', loss: 'non-saturating', regularizer: 'gradient-penalty', best: 18, final: 19 },
  { id: 'ns-gp-2', loss: 'non-saturating', regularizer: 'gradient-penalty', seed: 1, best: 22, final: 24 },
  { id: 'w-none-1', loss: 'wasserstein', regularizer: 'none', best: 40, final: 41 },
  { id: 'w-none-2', loss: 'wasserstein', regularizer: 'none', seed: 1, status: 'diverged', divergedAt: 70, best: 35, final: 'NaN' },
  { id: 'w-none-3', loss: 'wasserstein', regularizer: 'none', seed: 2, status: 'diverged', divergedAt: 20 },
  { id: 'w-none-4', loss: 'wasserstein', regularizer: 'none', seed: 3, status: 'failed', best: 10, error: 'worker crashed' },
  { id: 'w-gp-1', loss: 'wasserstein', regularizer: 'gradient-penalty', best: 23, final: 23 },
  { id: 'w-gp-2', loss: 'wasserstein', regularizer: 'gradient-penalty', seed: 1, best: 19, final: 20 },
  { id: 'w-gp-3', loss: 'wasserstein', regularizer: 'gradient-penalty', seed: 2, best: 21, final: 21 },
];
