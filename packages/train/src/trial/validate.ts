/**
 * Everything about a trial that can be checked without data or training, so a study fails before its
 * first trial instead of in every one: the dataset, the metrics it can have, the loss, regularizers and
 * normalization compiled into one objective (plugins included, so their compatibility is checked), and
 * the architecture's own check of its options against the data shape and the normalization (what
 * `build` checks before allocating anything).
 */
import { existsSync } from 'node:fs';
import { checkArchitecture, getArchitecture, listArchitectures } from '@ganbench/architectures';
import { IMAGE_DATASET_CHANNELS, IMAGE_DATASET_NAMES, isMixtureName, MIXTURE_NAMES } from '@ganbench/data';
import type { DatasetConfig, TrialConfig } from '@ganbench/study-folder';
import { getMetric, metricsFor } from '../metrics/registry.js';
import { compileObjective, type Objective, type ObjectiveData, ObjectiveError } from '../objective.js';
import { UNROLLED_STEPS_FIELD, validateUnrolledSteps } from '../unrolled.js';
import { imagePad } from './dataSource.js';

/** A problem with one field of a trial: `field` is its dotted path in the trial configuration (`regularizers` for any entry of the list). */
export interface TrialProblem {
  field: 'dataset' | 'evaluation.metrics' | 'training.batchSize' | 'training.unrolledSteps' | 'loss' | 'regularizers' | 'normalization' | 'architecture';
  message: string;
}

const DATASET_NAMES = [...MIXTURE_NAMES, ...IMAGE_DATASET_NAMES];

/** The largest real batch accepted, in bytes of float32 input; the networks' activations are a multiple of it. */
export const MAX_BATCH_BYTES = 2 ** 30;

/** The shape of one training example, when it is known before the data is read (a folder without a resolution is not). */
function dataShape(dataset: DatasetConfig): number[] | null {
  if (isMixtureName(dataset.name)) return [2];
  const native = dataset.name === 'cifar10' ? 32 : 28;
  const side = dataset.resolution ?? (dataset.name === 'folder' ? null : native);
  if (side === null) return null;
  const channels = dataset.channels ?? IMAGE_DATASET_CHANNELS[dataset.name as keyof typeof IMAGE_DATASET_CHANNELS];
  return [side, side, channels];
}

function datasetProblem(dataset: DatasetConfig): string | undefined {
  if (!(DATASET_NAMES as readonly string[]).includes(dataset.name))
    return `'${dataset.name}' is not allowed; allowed: ${DATASET_NAMES.join(', ')} (2-D mixtures: ${MIXTURE_NAMES.join(', ')})`;
  if (dataset.name === 'folder') {
    if (dataset.path === undefined) return "dataset 'folder' needs dataset.path, a folder of PNG images";
    if (!existsSync(dataset.path)) return `dataset.path: '${dataset.path}' does not exist`;
  } else if (dataset.path !== undefined) return `dataset.path is only for dataset 'folder', not '${dataset.name}'`;
  if (isMixtureName(dataset.name) && (dataset.resolution !== undefined || dataset.channels !== undefined))
    return `'${dataset.name}' is a 2-D mixture: resolution and channels are for image datasets`;
  try {
    imagePad(dataset);
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

/** What D sees of a dataset, for the objective's checks (an augmentation needs images). */
export function datasetObjectiveData(dataset: Pick<DatasetConfig, 'name'>): ObjectiveData {
  return isMixtureName(dataset.name)
    ? { description: `dataset '${dataset.name}' (2-D points)`, images: false }
    : { description: `dataset '${dataset.name}'`, images: true };
}

/**
 * A loss that reads D's features (feature matching) needs an architecture that exposes them, and one that reads
 * −logit as an energy (BEGAN) an autoencoder D; an unknown architecture is reported by its own check.
 */
function architectureProblem(loss: string, architecture: string, needs: 'features' | 'energy'): string | undefined {
  let has: boolean;
  try {
    has = getArchitecture(architecture)[needs] === true;
  } catch {
    return undefined;
  }
  if (has) return undefined;
  const allowed = listArchitectures()
    .filter((a) => a[needs] === true)
    .map((a) => a.name);
  return needs === 'features'
    ? `'${architecture}' exposes no discriminator features, which loss '${loss}' reads; allowed with it: an architecture with features (${allowed.join(', ')})`
    : `'${architecture}' has no autoencoder discriminator, whose −logit loss '${loss}' reads as an energy ≥ 0; allowed with it: ${allowed.join(', ')}`;
}

/** Every problem of one trial; an empty list when it can run. */
export function validateTrial(config: TrialConfig): TrialProblem[] {
  const problems: TrialProblem[] = [];
  const datasetIssue = datasetProblem(config.dataset);
  if (datasetIssue !== undefined) problems.push({ field: 'dataset', message: datasetIssue });
  else {
    const kind = isMixtureName(config.dataset.name) ? 'mixture' : 'image';
    const allowed = metricsFor(kind);
    for (const metric of config.evaluation.metrics)
      if (getMetric(metric).appliesTo !== kind)
        problems.push({
          field: 'evaluation.metrics',
          message: `'${metric}' is not allowed for dataset '${config.dataset.name}'; allowed: ${allowed.join(', ')}`,
        });
  }
  let objective: Objective | null = null;
  try {
    objective = compileObjective(config, datasetIssue === undefined ? datasetObjectiveData(config.dataset) : undefined);
  } catch (error) {
    const message = (error as Error).message;
    const field = error instanceof ObjectiveError ? error.field : 'loss';
    problems.push({ field: field.startsWith('regularizers') ? 'regularizers' : field === 'normalization' ? 'normalization' : 'loss', message });
  }
  for (const needs of ['features', 'energy'] as const) {
    if (objective === null || !(needs === 'features' ? objective.needsFeatures : objective.needsEnergy)) continue;
    const problem = architectureProblem(objective.loss.name, config.architecture.name, needs);
    if (problem !== undefined) problems.push({ field: 'architecture', message: problem });
  }
  if (config.training.unrolledSteps !== 0) {
    try {
      validateUnrolledSteps(config.training.unrolledSteps, compileObjective(config));
    } catch (error) {
      // Other problems of the objective are reported above.
      if (error instanceof ObjectiveError && error.field === UNROLLED_STEPS_FIELD) problems.push({ field: error.field, message: error.message });
    }
  }
  const shape = datasetIssue === undefined ? dataShape(config.dataset) : null;
  const batchBytes = shape === null ? 0 : 4 * config.training.batchSize * shape.reduce((a, b) => a * b, 1);
  if (batchBytes > MAX_BATCH_BYTES)
    problems.push({
      field: 'training.batchSize',
      message: `${config.training.batchSize} examples of ${shape?.join('×')} are ${(batchBytes / 2 ** 30).toFixed(1)} GiB of float32 before any activation; allowed: at most ${MAX_BATCH_BYTES / 2 ** 30} GiB per batch`,
    });
  if (shape !== null) {
    try {
      checkArchitecture(config.architecture.name, config.architecture.options, { dataShape: shape, normalization: config.normalization.name });
    } catch (error) {
      problems.push({ field: 'architecture', message: (error as Error).message });
    }
  }
  return problems;
}
