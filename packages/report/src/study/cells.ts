/**
 * Trials grouped as Kurach et al. 2019 ("The GAN Landscape") tabulate them: one table per (dataset,
 * architecture), rows loss, columns regularizer, each cell pooling every hyperparameter setting and seed.
 *
 * The value of a trial is `best[primary.metric]`, the best evaluation it reached: that is what a
 * researcher keeps (the checkpoint at its best evaluation), and it exists for a trial that diverged after
 * some evaluations. Which trials count:
 * - finished and diverged trials count with that value (a diverged trial with the best it reached before
 *   diverging, so instability shows as worse medians and in the failure table, not as missing data);
 * - trials without a finite value (diverged before the first evaluation, or no evaluation at all) and failed
 *   trials (a crash says nothing about the loss) are left out of best/median/n and counted in the failure table.
 */

import { type MetricGoal, regularizersLabel, type TrialRecord } from '@ganbench/study-folder';
import { formatSettings, summarizeHyperparameters } from './hyperparameters.js';

/**
 * The axes a table can pivot on (Kurach et al. 2019 cross loss × penalty × normalization): `regularizers` is a
 * trial's regularizers ('+'-joined, or none), `regularization` those and the normalization in one label
 * (`gradient-penalty + spectral norm`), for studies that do not cross the two.
 */
export const PIVOT_AXES = ['loss', 'regularizers', 'normalization', 'regularization'] as const;
export type PivotAxis = (typeof PIVOT_AXES)[number];

/** Rows × columns of each table, one table (panel) per value of `panels`. */
export interface Pivot {
  rows: PivotAxis;
  columns: PivotAxis;
  panels: PivotAxis | null;
}

/** A trial's label on an axis. */
export function axisValue(trial: TrialRecord, axis: PivotAxis): string {
  const { loss, regularizers, normalization } = trial.config;
  switch (axis) {
    case 'loss':
      return loss.name;
    case 'regularizers':
      return regularizersLabel(regularizers);
    case 'normalization':
      return normalization.name;
    case 'regularization': {
      const parts = [...regularizers.map((r) => r.name), ...(normalization.name === 'none' ? [] : [`${normalization.name} norm`])];
      return parts.length === 0 ? 'none' : parts.join(' + ');
    }
  }
}

/**
 * Rows loss; when the study crosses regularizers with normalizations (every combination present, both
 * varying), columns regularizers and one panel per normalization; otherwise one column per regularization.
 */
export function defaultPivot(trials: readonly TrialRecord[]): Pivot {
  const values = (axis: PivotAxis) => new Set(trials.map((trial) => axisValue(trial, axis)));
  const regularizers = values('regularizers');
  const normalizations = values('normalization');
  const pairs = new Set(trials.map((trial) => `${axisValue(trial, 'regularizers')}|${axisValue(trial, 'normalization')}`));
  const crossed = regularizers.size > 1 && normalizations.size > 1 && pairs.size === regularizers.size * normalizations.size;
  return crossed ? { rows: 'loss', columns: 'regularizers', panels: 'normalization' } : LOSS_BY_REGULARIZATION;
}

export const LOSS_BY_REGULARIZATION: Pivot = { rows: 'loss', columns: 'regularization', panels: null };

/** A pivot from its spelling `rows,columns[,panels]`, each an axis used once. */
export function parsePivot(text: string): Pivot {
  const parts = text.split(',').map((part) => part.trim());
  const allowed = `rows,columns[,panels], each one of ${PIVOT_AXES.join(', ')}, each once`;
  if (parts.length < 2 || parts.length > 3) throw new Error(`pivot: '${text}' is not allowed; allowed: ${allowed}`);
  for (const part of parts) if (!(PIVOT_AXES as readonly string[]).includes(part)) throw new Error(`pivot: '${part}' is not an axis; allowed: ${allowed}`);
  if (new Set(parts).size !== parts.length) throw new Error(`pivot: '${text}' names an axis twice; allowed: ${allowed}`);
  return { rows: parts[0] as PivotAxis, columns: parts[1] as PivotAxis, panels: (parts[2] as PivotAxis | undefined) ?? null };
}

/** One cell: its row and column labels (the loss and the regularization unless the table is pivoted), the trials and their statistics. */
export interface CellSummary {
  /** The row label (the loss by default). */
  loss: string;
  /** The column label (the regularization by default). */
  regularizer: string;
  /** Every trial of the cell, in display order. */
  trials: TrialRecord[];
  /** The counted trials' values, in display order. */
  values: number[];
  /** Best and median of `values` for the goal; undefined when no trial counts. */
  best: number | undefined;
  median: number | undefined;
  /** The trial with the best value (the first in display order on a tie). */
  bestTrial: TrialRecord | undefined;
  finished: number;
  diverged: number;
  failed: number;
  /** Finished or diverged trials without a finite value of the primary metric. */
  noValue: number;
}

export interface StudyGroup {
  dataset: string;
  architecture: string;
  metric: string;
  goal: MetricGoal;
  /** What the rows, columns and panels are; absent: loss × regularization (LOSS_BY_REGULARIZATION). */
  pivot?: Pivot;
  /** This table's value of the panel axis; null or absent when there are no panels. */
  panel?: string | null;
  /** Row labels (losses by default) and column labels in display order (known names in the papers' order, then alphabetical). */
  losses: string[];
  regularizers: string[];
  /** The cells that have trials, row by row. */
  cells: CellSummary[];
}

/** Losses in the order Lucic et al. and Kurach et al. list them; others follow alphabetically. */
const LOSS_ORDER = [
  'minimax',
  'non-saturating',
  'wasserstein',
  'least-squares',
  'hinge',
  'dragan',
  'relativistic-average',
  'relativistic-pairing',
  'energy-based',
  'began',
  'loss-sensitive',
  'feature-matching',
];
/** No regularization first, then penalties, constraints, normalization, tricks. */
const REGULARIZER_ORDER = [
  'none',
  'gradient-penalty',
  'dragan',
  'r1',
  'r2',
  'lecam',
  'bcr',
  'zcr',
  'weight-clipping',
  'spectral norm',
  'diffaugment',
  'ada',
  'label-smoothing',
  'instance-noise',
];
/** Kurach et al.'s order of normalizations. */
const NORMALIZATION_ORDER = ['none', 'batch', 'layer', 'spectral'];

/** The value a trial counts with for `metric`, or undefined when it does not count (see the module comment). */
export function trialValue(trial: TrialRecord, metric: string): number | undefined {
  if (trial.status === 'failed') return undefined;
  const value = trial.best[metric];
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

/** Whether `a` is strictly better than `b` for the goal. */
export function isBetter(a: number, b: number, goal: MetricGoal): boolean {
  return goal === 'min' ? a < b : a > b;
}

/** The median (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Known names in their listed order, unknown ones after them alphabetically. */
export function orderNames(names: Iterable<string>, known: readonly string[]): string[] {
  const rank = (name: string): number => {
    const index = known.indexOf(name);
    return index === -1 ? known.length : index;
  };
  return [...new Set(names)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export function orderLosses(names: Iterable<string>): string[] {
  return orderNames(names, LOSS_ORDER);
}

export function orderRegularizers(names: Iterable<string>): string[] {
  return orderNames(names, REGULARIZER_ORDER);
}

/** Labels of an axis in display order; a combination ranks by its first part, then alphabetically. */
export function orderAxis(axis: PivotAxis, names: Iterable<string>): string[] {
  if (axis === 'loss') return orderLosses(names);
  if (axis === 'normalization') return orderNames(names, NORMALIZATION_ORDER);
  const first = (label: string) => label.split(/ \+ |\+/)[0] as string;
  const rank = (label: string) => {
    const index = REGULARIZER_ORDER.indexOf(first(label));
    return index === -1 ? REGULARIZER_ORDER.length : index;
  };
  return [...new Set(names)].sort((a, b) => rank(a) - rank(b) || a.split('+').length - b.split('+').length || a.localeCompare(b));
}

/**
 * Trials in a stable display order (dataset, architecture, loss, regularizer, varied settings, seed, id), so the
 * report does not change with the order in which parallel workers happened to finish.
 */
export function sortTrials(trials: readonly TrialRecord[]): TrialRecord[] {
  const losses = orderLosses(trials.map((trial) => trial.config.loss.name));
  const regularizers = orderAxis(
    'regularization',
    trials.map((trial) => axisValue(trial, 'regularization')),
  );
  const settings = summarizeHyperparameters(trials);
  const key = new Map(trials.map((trial) => [trial.id, formatSettings(settings.valuesOf(trial.id))]));
  return [...trials].sort(
    (a, b) =>
      a.config.dataset.name.localeCompare(b.config.dataset.name) ||
      a.config.architecture.name.localeCompare(b.config.architecture.name) ||
      losses.indexOf(a.config.loss.name) - losses.indexOf(b.config.loss.name) ||
      regularizers.indexOf(axisValue(a, 'regularization')) - regularizers.indexOf(axisValue(b, 'regularization')) ||
      (key.get(a.id) as string).localeCompare(key.get(b.id) as string) ||
      a.config.seed - b.config.seed ||
      a.id.localeCompare(b.id),
  );
}

/**
 * The metric the report ranks by: the study's current one when study.json names it, else the one of the
 * trial recorded last. Trials recorded under an earlier primary metric count with their best value of the
 * current one (every trial records the best of each metric it evaluated), so editing `evaluation.primary`
 * re-ranks a finished study instead of breaking it.
 */
export function studyPrimary(trials: readonly TrialRecord[], current?: { metric: string; goal: string }): { metric: string; goal: MetricGoal } {
  const last = trials[trials.length - 1];
  if (!last) throw new Error('a study report needs at least one trial; got none');
  if (current === undefined) return { ...last.primary };
  if (current.goal !== 'min' && current.goal !== 'max')
    throw new Error(`primary metric ${current.metric}: goal '${current.goal}' is not allowed; allowed: min, max`);
  return { metric: current.metric, goal: current.goal };
}

/** One group per (dataset, architecture, panel), each with its rows × columns cells (loss × regularization unless pivoted). */
export function summarizeStudy(
  trials: readonly TrialRecord[],
  primary: { metric: string; goal: MetricGoal } = studyPrimary(trials),
  pivot: Pivot = defaultPivot(trials),
): StudyGroup[] {
  const { metric, goal } = primary;
  const sorted = sortTrials(trials);
  const panels: (string | null)[] =
    pivot.panels === null
      ? [null]
      : orderAxis(
          pivot.panels,
          trials.map((trial) => axisValue(trial, pivot.panels as PivotAxis)),
        );
  const groups = new Map<string, TrialRecord[]>();
  for (const trial of sorted) {
    const panel = pivot.panels === null ? null : axisValue(trial, pivot.panels);
    const key = JSON.stringify([trial.config.dataset.name, trial.config.architecture.name, panels.indexOf(panel)]);
    groups.set(key, [...(groups.get(key) ?? []), trial]);
  }
  const ordered = [...groups.entries()].sort(([a], [b]) => {
    const [da, aa, pa] = JSON.parse(a) as [string, string, number];
    const [db, ab, pb] = JSON.parse(b) as [string, string, number];
    return da.localeCompare(db) || aa.localeCompare(ab) || pa - pb;
  });
  return ordered.map(([, members]) => {
    const first = members[0] as TrialRecord;
    const losses = orderAxis(
      pivot.rows,
      members.map((trial) => axisValue(trial, pivot.rows)),
    );
    const regularizers = orderAxis(
      pivot.columns,
      members.map((trial) => axisValue(trial, pivot.columns)),
    );
    const cells = losses.flatMap((row) =>
      regularizers.flatMap((column) => {
        const inCell = members.filter((trial) => axisValue(trial, pivot.rows) === row && axisValue(trial, pivot.columns) === column);
        return inCell.length === 0 ? [] : [summarizeCell(row, column, inCell, { metric, goal })];
      }),
    );
    const panel = pivot.panels === null ? null : axisValue(first, pivot.panels);
    return { dataset: first.config.dataset.name, architecture: first.config.architecture.name, metric, goal, pivot, panel, losses, regularizers, cells };
  });
}

export function summarizeCell(
  loss: string,
  regularizer: string,
  trials: readonly TrialRecord[],
  { metric, goal }: { metric: string; goal: MetricGoal },
): CellSummary {
  const counted = trials.flatMap((trial) => {
    const value = trialValue(trial, metric);
    return value === undefined ? [] : [{ trial, value }];
  });
  let bestEntry = counted[0];
  for (const entry of counted) if (bestEntry && isBetter(entry.value, bestEntry.value, goal)) bestEntry = entry;
  const values = counted.map((entry) => entry.value);
  const count = (status: TrialRecord['status']) => trials.filter((trial) => trial.status === status).length;
  return {
    loss,
    regularizer,
    trials: [...trials],
    values,
    best: bestEntry?.value,
    median: values.length > 0 ? median(values) : undefined,
    bestTrial: bestEntry?.trial,
    finished: count('finished'),
    diverged: count('diverged'),
    failed: count('failed'),
    noValue: trials.filter((trial) => trial.status !== 'failed' && trialValue(trial, metric) === undefined).length,
  };
}

export function cellOf(group: StudyGroup, loss: string, regularizer: string): CellSummary | undefined {
  return group.cells.find((cell) => cell.loss === loss && cell.regularizer === regularizer);
}
