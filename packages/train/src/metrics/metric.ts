import type { GaussianMixture } from '@ganbench/data';
import type { ClassifierOutputs, GaussianStatistics, MixtureCoverage, PrecisionRecall } from '@ganbench/metrics';
import type { MetricGoal } from '@ganbench/study-folder';

/** What one evaluation computed once and every metric reads: the generated samples and their features. */
export type EvaluationData =
  | {
      kind: 'mixture';
      mixture: GaussianMixture;
      /** Real and generated points, flat [x0, y0, x1, y1, …]. */
      real: ArrayLike<number>;
      fake: ArrayLike<number>;
      /** Mode assignment of the generated points, shared by modes_covered and high_quality. */
      coverage(): MixtureCoverage;
    }
  | {
      kind: 'image';
      /** The feature classifier's outputs on real test images and on generated ones. */
      real: ClassifierOutputs;
      realStatistics: GaussianStatistics;
      fake: ClassifierOutputs;
      /** k-NN manifolds of both feature sets, shared by precision and recall (Kynkäänniemi et al. 2019). */
      precisionRecall(): PrecisionRecall;
    };

/** One metric: its name in study files, which way is better, which data it applies to, and how it is computed. */
export interface MetricDefinition {
  name: string;
  goal: MetricGoal;
  appliesTo: EvaluationData['kind'];
  description: string;
  compute(data: EvaluationData): number;
}

/** `compute` for one kind of data: a metric defined for images never sees points. */
export function defineMetric<K extends EvaluationData['kind']>(
  definition: Omit<MetricDefinition, 'appliesTo' | 'compute'> & { appliesTo: K; compute(data: Extract<EvaluationData, { kind: K }>): number },
): MetricDefinition {
  return {
    ...definition,
    compute(data) {
      if (data.kind !== definition.appliesTo) throw new Error(`metric ${definition.name} applies to ${definition.appliesTo} data, not ${data.kind}`);
      return definition.compute(data as Extract<EvaluationData, { kind: K }>);
    },
  };
}
