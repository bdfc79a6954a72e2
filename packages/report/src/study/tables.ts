/** The report's Markdown tables: Kurach-style best / median per cell, failures per cell, and the appendix of trials. */

import type { CheckpointEvaluation, MetricGoal, TrialRecord } from '@ganbench/study-folder';
import { axisValue, type CellSummary, cellOf, LOSS_BY_REGULARIZATION, type StudyGroup } from './cells.js';
import { formatNumber, formatSettings, type HyperparameterSummary, roundForDisplay } from './hyperparameters.js';

/** Which of a number's marks apply: best in its row (italic) and best in its column (bold). */
export interface Marks {
  row: boolean;
  column: boolean;
}

export interface MarkedCell {
  loss: string;
  regularizer: string;
  cell: CellSummary | undefined;
  bestMarks: Marks;
  medianMarks: Marks;
  /** What the table shows, e.g. `**12.3** / 15.1 (6)`. */
  text: string;
}

type Statistic = 'best' | 'median';

/** Emphasis as Markdown: bold for the best in the column, italic for the best in the row, both for both. */
export function emphasize(text: string, marks: Marks): string {
  if (marks.row && marks.column) return `***${text}***`;
  if (marks.column) return `**${text}**`;
  if (marks.row) return `*${text}*`;
  return text;
}

/**
 * Every (loss, regularizer) cell of a group with its marks. A number is marked when, as displayed (4 significant
 * digits), it is the best of its row or column for the goal, ties all marked; a row or column with a single value
 * marks nothing, since there is nothing to compare with.
 */
export function markCells(group: StudyGroup): MarkedCell[][] {
  const isBestAmong = (cell: CellSummary | undefined, statistic: Statistic, peers: readonly (CellSummary | undefined)[]): boolean => {
    const value = cell?.[statistic];
    const candidates = peers.flatMap((peer) => (peer?.[statistic] === undefined ? [] : [roundForDisplay(peer[statistic])]));
    if (value === undefined || candidates.length < 2) return false;
    return roundForDisplay(value) === bestOf(candidates, group.goal);
  };
  return group.losses.map((loss) =>
    group.regularizers.map((regularizer) => {
      const cell = cellOf(group, loss, regularizer);
      const row = group.regularizers.map((other) => cellOf(group, loss, other));
      const column = group.losses.map((other) => cellOf(group, other, regularizer));
      const marksFor = (statistic: Statistic): Marks => ({ row: isBestAmong(cell, statistic, row), column: isBestAmong(cell, statistic, column) });
      const bestMarks = marksFor('best');
      const medianMarks = marksFor('median');
      return { loss, regularizer, cell, bestMarks, medianMarks, text: cellText(cell, bestMarks, medianMarks) };
    }),
  );
}

function bestOf(values: readonly number[], goal: MetricGoal): number {
  return goal === 'min' ? Math.min(...values) : Math.max(...values);
}

function cellText(cell: CellSummary | undefined, bestMarks: Marks, medianMarks: Marks): string {
  if (!cell) return '';
  if (cell.best === undefined || cell.median === undefined) return '— (0)';
  return `${emphasize(formatNumber(cell.best), bestMarks)} / ${emphasize(formatNumber(cell.median), medianMarks)} (${cell.values.length})`;
}

/** `rows ＼ columns`: the corner of a table, naming its axes (loss ＼ regularization unless pivoted). */
export function cornerLabel(group: StudyGroup): string {
  const { rows, columns } = group.pivot ?? LOSS_BY_REGULARIZATION;
  return `${rows} ＼ ${columns}`;
}

/** Rows loss, columns regularization (or the pivot's axes), cells "best / median (n)" of the primary metric, best values marked. */
export function kurachTable(group: StudyGroup): string {
  const rows = markCells(group).map((cells, index) => [escapeCell(group.losses[index] as string), ...cells.map((cell) => cell.text)]);
  return markdownTable([cornerLabel(group), ...group.regularizers.map(escapeCell)], rows, ['left', ...group.regularizers.map(() => 'right' as const)]);
}

/** Rows loss, columns regularizer, cells "diverged / failed / no value (of trials)". */
export function failureTable(group: StudyGroup): string {
  const rows = group.losses.map((loss) => [
    escapeCell(loss),
    ...group.regularizers.map((regularizer) => {
      const cell = cellOf(group, loss, regularizer);
      return cell ? `${cell.diverged} / ${cell.failed} / ${cell.noValue} (of ${cell.trials.length})` : '';
    }),
  ]);
  return markdownTable([cornerLabel(group), ...group.regularizers.map(escapeCell)], rows, ['left', ...group.regularizers.map(() => 'right' as const)]);
}

/** The best trial of each cell, with the settings that won, for finding it in MLflow or the appendix. */
export function bestTrialsTable(group: StudyGroup, settings: HyperparameterSummary): string {
  const rows = group.cells.flatMap((cell) => {
    const trial = cell.bestTrial;
    if (!trial || cell.best === undefined) return [];
    return [
      [
        escapeCell(cell.loss),
        escapeCell(cell.regularizer),
        `\`${trial.id}\``,
        formatNumber(cell.best),
        escapeCell(formatSettings(settings.valuesOf(trial.id))),
        String(trial.config.seed),
      ],
    ];
  });
  const { rows: rowAxis, columns: columnAxis } = group.pivot ?? LOSS_BY_REGULARIZATION;
  return markdownTable([rowAxis, columnAxis, 'best trial', group.metric, 'settings', 'seed'], rows, ['left', 'left', 'left', 'right', 'left', 'right']);
}

/** One row per trial: id, names, varied settings, seed, status, primary best and final, steps, seconds. */
export function trialsAppendixTable(trials: readonly TrialRecord[], settings: HyperparameterSummary, metric: string): string {
  const rows = trials.map((trial) => [
    `\`${trial.id}\``,
    escapeCell(trial.config.dataset.name),
    escapeCell(trial.config.architecture.name),
    escapeCell(trial.config.loss.name),
    escapeCell(axisValue(trial, 'regularization')),
    escapeCell(formatSettings(settings.valuesOf(trial.id))),
    String(trial.config.seed),
    trial.status === 'diverged' && trial.divergedAt !== undefined ? `diverged at ${trial.divergedAt}` : trial.status,
    metricText(trial.best[metric]),
    metricText(trial.final[metric]),
    String(trial.steps),
    trial.seconds.toFixed(1),
  ]);
  return markdownTable(
    ['id', 'dataset', 'architecture', 'loss', 'regularization', 'settings', 'seed', 'status', `best ${metric}`, `final ${metric}`, 'steps', 'seconds'],
    rows,
    ['left', 'left', 'left', 'left', 'left', 'left', 'right', 'left', 'right', 'right', 'right', 'right'],
  );
}

/**
 * Final checkpoints evaluated again (evaluations.jsonl), one row per trial and sample count, in the trials' order:
 * every metric the evaluations hold, the primary one first.
 */
export function evaluationsTable(trials: readonly TrialRecord[], evaluations: readonly CheckpointEvaluation[], metric: string): string {
  const order = new Map(trials.map((t, i) => [t.id, i]));
  const byId = new Map(trials.map((t) => [t.id, t]));
  const rows = evaluations.filter((e) => byId.has(e.id)).sort((a, b) => (order.get(a.id) as number) - (order.get(b.id) as number) || a.samples - b.samples);
  const names = [...new Set(rows.flatMap((e) => Object.keys(e.metrics)))].sort((a, b) => Number(b === metric) - Number(a === metric));
  return markdownTable(
    ['id', 'loss', 'regularization', 'seed', 'step', 'samples', ...names],
    rows.map((e) => {
      const trial = byId.get(e.id) as TrialRecord;
      return [
        `\`${e.id}\``,
        escapeCell(trial.config.loss.name),
        escapeCell(axisValue(trial, 'regularization')),
        String(trial.config.seed),
        String(e.step),
        String(e.samples),
        ...names.map((name) => metricText(e.metrics[name])),
      ];
    }),
    ['left', 'left', 'left', 'right', 'right', 'right', ...names.map(() => 'right' as const)],
  );
}

function metricText(value: number | undefined): string {
  return value === undefined ? '—' : formatNumber(value);
}

/** A pipe or a newline inside a cell would end it early. */
export function escapeCell(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replaceAll(/\r?\n/g, ' ');
}

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], align: readonly ('left' | 'right')[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  const rule = header.map((_, index) => (align[index] === 'right' ? '---:' : '---'));
  return [line(header), line(rule), ...rows.map(line)].join('\n');
}
