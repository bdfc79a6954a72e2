/** @ganbench/study-folder/testing — a valid trial configuration and record for tests; not part of the runtime API. */
import type { TrialConfig } from '../trialConfig.js';
import type { TrialRecord } from '../trialRecord.js';

/** A small ring trial with every field resolved, as a sweep writes it. */
export function exampleTrialConfig(overrides: Partial<TrialConfig> = {}): TrialConfig {
  return {
    dataset: { name: 'ring' },
    architecture: { name: 'mlp', options: { gWidth: 64 } },
    loss: { name: 'hinge', params: {} },
    regularizers: [{ name: 'r1', params: { gamma: 0.1 } }],
    normalization: { name: 'none', params: {} },
    training: {
      steps: 100,
      batchSize: 64,
      nDisc: 1,
      optimizer: { name: 'adam', lr: 1e-3, beta1: 0.5, beta2: 0.999 },
      discriminatorOptimizer: { name: 'sgd', lr: 1e-2, momentum: 0 },
      emaDecay: null,
      unrolledSteps: 0,
      checkpointEvery: 50,
    },
    evaluation: { every: 50, samples: 100, metrics: ['modes_covered'] },
    seed: 0,
    ...overrides,
  };
}

/** A finished trial's record of `exampleTrialConfig()`. */
export function exampleTrialRecord(id: string, overrides: Partial<TrialRecord> = {}): TrialRecord {
  return {
    id,
    study: 'tiny',
    config: exampleTrialConfig(),
    status: 'finished',
    final: { modes_covered: 5 },
    best: { modes_covered: 6 },
    primary: { metric: 'modes_covered', goal: 'max' },
    steps: 100,
    seconds: 1.5,
    finishedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}
