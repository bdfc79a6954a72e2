/** Test helper: the objective of one loss with at most one regularizer by name ('none' for none; 'spectral' normalizes D's weights instead). */
import { compileObjective, type Objective } from '../objective.js';

export function objectiveOf(loss: string, regularizer = 'none', params: Readonly<Record<string, unknown>> = {}): Objective {
  if (regularizer === 'spectral')
    return compileObjective({ loss: { name: loss, params: {} }, regularizers: [], normalization: { name: 'spectral', params: params as never } });
  return compileObjective({
    loss: { name: loss, params: {} },
    regularizers: regularizer === 'none' ? [] : [{ name: regularizer, params: params as never }],
  });
}
