import { type ParamStore, Rng, tf } from '@ganbench/core';
import type { ImageDataset } from '@ganbench/data';
import { loadImageDataset, sampleMixturePoints } from '@ganbench/data';
import {
  CLASSIFIER_FEATURES,
  type ClassifierOutputs,
  classifierOutputsAsync,
  datasetOutputsAsync,
  gaussianStatistics,
  loadFeatureClassifier,
  mixtureCoverage,
  precisionRecall,
} from '@ganbench/metrics';
import type { EvaluationData } from '../metrics/metric.js';
import { getMetric, metricsFor } from '../metrics/registry.js';
import type { DataSource } from './dataSource.js';

/**
 * Metrics of a generator's samples; `sample(n)` returns n new generated samples shaped like the training data (an
 * evaluation calls it once per batch: evaluationSampler). Samples are read back asynchronously, so it runs on every backend (webgpu has no synchronous read under Node).
 */
export interface Evaluator {
  evaluate(sample: (n: number) => tf.Tensor): Promise<Record<string, number>>;
  dispose(): void;
}

const PR_NEIGHBOURS = 3;

/**
 * One evaluation's sampler: successive calls continue one latent stream drawn from `seed`, so an evaluation's
 * batches are distinct samples, and every evaluation of a trial draws the same latents.
 */
export function evaluationSampler(generate: (n: number, latents: Rng) => tf.Tensor, seed: number): (n: number) => tf.Tensor {
  const latents = new Rng(seed).fork('evaluation-latents');
  return (n) => generate(n, latents);
}

/** A computation several metrics share, done at most once per evaluation. */
function once<T>(compute: () => T): () => T {
  let value: { v: T } | undefined;
  return () => {
    value ??= { v: compute() };
    return value.v;
  };
}

/**
 * The evaluator of a trial: real samples or features once, then at each evaluation the generated ones once,
 * and every requested metric of the registry from them (precision and recall from one k-NN computation).
 */
export async function createEvaluator(datasetName: string, source: DataSource, metrics: readonly string[], samples: number, rng: Rng): Promise<Evaluator> {
  const kind = source.mixture === null ? 'image' : 'mixture';
  const definitions = metrics.map(getMetric);
  for (const [i, metric] of definitions.entries())
    if (metric.appliesTo !== kind)
      throw new Error(`evaluation.metrics[${i}]: '${metric.name}' is not allowed for this dataset; use ${metricsFor(kind).join(', ')}`);
  const measure = (data: EvaluationData) => Object.fromEntries(definitions.map((metric) => [metric.name, metric.compute(data)]));
  if (source.mixture !== null) {
    const mixture = source.mixture;
    const real = sampleMixturePoints(mixture, samples, rng.fork('real'));
    return {
      async evaluate(sample) {
        const generated = sample(samples);
        const fake = await generated.data().finally(() => generated.dispose());
        return measure({ kind: 'mixture', mixture, real, fake, coverage: once(() => mixtureCoverage(fake, mixture)) });
      },
      dispose() {},
    };
  }
  // Classifier-FID & co. (the project's own feature networks: never compare with Inception-FID).
  const { params } = await loadFeatureClassifier(datasetName);
  const test = await loadImageDataset(datasetName, { split: 'test' });
  const real = await datasetOutputsAsync(params, test as ImageDataset, samples);
  const realStatistics = gaussianStatistics({ data: real.features, dim: CLASSIFIER_FEATURES });
  return {
    async evaluate(sample) {
      const fake = await generatedOutputs(params, sample, samples, source.pad);
      const features = (o: ClassifierOutputs) => ({ data: o.features, dim: CLASSIFIER_FEATURES });
      return measure({
        kind: 'image',
        real,
        realStatistics,
        fake,
        precisionRecall: once(() => precisionRecall(features(real), features(fake), { k: PR_NEIGHBOURS })),
      });
    },
    dispose: () => params.dispose(),
  };
}

/** Classifier outputs of n generated images, in batches, the padding cropped off so the classifier sees its native size. */
async function generatedOutputs(params: ParamStore, sample: (n: number) => tf.Tensor, n: number, pad: number): Promise<ClassifierOutputs> {
  const batch = 250;
  const parts: ClassifierOutputs[] = [];
  for (let start = 0; start < n; start += batch) {
    const images = sample(Math.min(batch, n - start)) as tf.Tensor4D;
    const [, h, w] = images.shape;
    const cropped = pad === 0 ? images : tf.slice(images, [0, pad, pad, 0], [-1, h - 2 * pad, w - 2 * pad, -1]);
    try {
      parts.push(await classifierOutputsAsync(params, cropped));
    } finally {
      tf.dispose([images, cropped]);
    }
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
