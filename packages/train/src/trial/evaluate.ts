import { type ParamStore, type Rng, tf } from '@ganbench/core';
import type { ImageDataset } from '@ganbench/data';
import { loadImageDataset, sampleMixturePoints } from '@ganbench/data';
import {
  CLASSIFIER_FEATURES,
  type ClassifierOutputs,
  classifierOutputs,
  datasetOutputs,
  frechetDistanceOfSamples,
  frechetDistanceOfStatistics,
  type GaussianStatistics,
  gaussianStatistics,
  inceptionScore,
  kernelInceptionDistance,
  loadFeatureClassifier,
  mixtureCoverage,
  precisionRecall,
} from '@ganbench/metrics';
import { METRIC_GOALS } from '@ganbench/study-folder';
import type { DataSource } from './dataSource.js';

export const MIXTURE_METRICS = ['modes_covered', 'high_quality', 'frechet_2d'] as const;
export const IMAGE_METRICS = ['fid', 'kid', 'is', 'precision', 'recall'] as const;

/** Metrics of a generator's samples; `sample(n)` returns generated data shaped like the training data. */
export interface Evaluator {
  evaluate(sample: (n: number) => tf.Tensor): Record<string, number>;
  dispose(): void;
}

/** Fails before training when a metric does not apply to the dataset. */
export function checkMetrics(metrics: readonly string[], source: DataSource): void {
  const allowed: readonly string[] = source.mixture === null ? IMAGE_METRICS : MIXTURE_METRICS;
  for (const [i, metric] of metrics.entries())
    if (!allowed.includes(metric) || METRIC_GOALS[metric] === undefined)
      throw new Error(`evaluation.metrics[${i}]: '${metric}' is not allowed for this dataset; use ${allowed.join(', ')}`);
}

const PR_NEIGHBOURS = 3;

export async function createEvaluator(datasetName: string, source: DataSource, metrics: readonly string[], samples: number, rng: Rng): Promise<Evaluator> {
  checkMetrics(metrics, source);
  if (source.mixture !== null) {
    const mixture = source.mixture;
    const real = sampleMixturePoints(mixture, samples, rng.fork('real'));
    return {
      evaluate(sample) {
        const fake = sample(samples);
        const flat = fake.dataSync();
        fake.dispose();
        const coverage = mixtureCoverage(flat, mixture);
        const all: Record<string, number> = {
          modes_covered: coverage.modesCovered,
          high_quality: coverage.highQualityFraction,
          frechet_2d: frechetDistanceOfSamples({ data: flat, dim: 2 }, { data: real, dim: 2 }),
        };
        return Object.fromEntries(metrics.map((m) => [m, all[m] as number]));
      },
      dispose() {},
    };
  }
  // Classifier-FID & co. (the project's own feature networks: never compare with Inception-FID).
  const { params } = await loadFeatureClassifier(datasetName);
  const test = await loadImageDataset(datasetName, { split: 'test' });
  const real = datasetOutputs(params, test as ImageDataset, samples);
  const realStatistics = gaussianStatistics({ data: real.features, dim: CLASSIFIER_FEATURES });
  return {
    evaluate(sample) {
      const fake = generatedOutputs(params, sample, samples, source.pad);
      return Object.fromEntries(metrics.map((m) => [m, imageMetric(m, real, realStatistics, fake)]));
    },
    dispose: () => params.dispose(),
  };
}

function imageMetric(metric: string, real: ClassifierOutputs, realStatistics: GaussianStatistics, fake: ClassifierOutputs): number {
  const fakeFeatures = { data: fake.features, dim: CLASSIFIER_FEATURES };
  const realFeatures = { data: real.features, dim: CLASSIFIER_FEATURES };
  switch (metric) {
    case 'fid':
      return frechetDistanceOfStatistics(realStatistics, gaussianStatistics(fakeFeatures));
    case 'kid':
      return kernelInceptionDistance(realFeatures, fakeFeatures, { subsets: 10 }).mean;
    case 'is':
      return inceptionScore({ data: fake.probabilities, dim: fake.classes }, { splits: 1 }).mean;
    case 'precision':
      return precisionRecall(realFeatures, fakeFeatures, { k: PR_NEIGHBOURS }).precision;
    case 'recall':
      return precisionRecall(realFeatures, fakeFeatures, { k: PR_NEIGHBOURS }).recall;
    default:
      throw new Error(`evaluation.metrics: '${metric}' is not an image metric`);
  }
}

/** Classifier outputs of n generated images, in batches, the padding cropped off so the classifier sees its native size. */
function generatedOutputs(params: ParamStore, sample: (n: number) => tf.Tensor, n: number, pad: number): ClassifierOutputs {
  const batch = 250;
  const parts: ClassifierOutputs[] = [];
  for (let start = 0; start < n; start += batch) {
    const images = sample(Math.min(batch, n - start)) as tf.Tensor4D;
    const [, h, w] = images.shape;
    const cropped = pad === 0 ? images : tf.slice(images, [0, pad, pad, 0], [-1, h - 2 * pad, w - 2 * pad, -1]);
    parts.push(classifierOutputs(params, cropped));
    tf.dispose([images, cropped]);
  }
  const first = parts[0] as ClassifierOutputs;
  const dim = CLASSIFIER_FEATURES;
  const out: ClassifierOutputs = { n, features: new Float32Array(n * dim), probabilities: new Float32Array(n * first.classes), classes: first.classes };
  let row = 0;
  for (const part of parts) {
    out.features.set(part.features, row * dim);
    out.probabilities.set(part.probabilities, row * first.classes);
    row += part.n;
  }
  return out;
}
