/**
 * The first lines of a mixture study's report: in words generated from the numbers, which losses and
 * regularizers covered the mixture's modes and which collapsed, and a table of every trial's last evaluation
 * per cell (modes covered per trial, the high-quality fraction's and the 2-D Fréchet distance's spread), so
 * a reader sees the outcome and its spread over seeds before the Kurach table. Pure: it reads the trial
 * records of a StudyGroup and nothing else.
 *
 * A trial is judged on its last evaluation (`final` in trials.jsonl: where training left the generator),
 * not on its best one, so a generator that covered every mode once and then lost some does not count as
 * covering them.
 */

import type { TrialRecord } from '@ganbench/study-folder';
import type { CellSummary, StudyGroup } from './cells.js';
import { formatNumber } from './hyperparameters.js';
import { escapeCell, markdownTable } from './tables.js';

/** Modes of the 2-D mixtures @ganbench/data registers (Metz et al. 2017): 8 on the ring, 25 on the 5×5 grid. */
export const MIXTURE_MODES: Readonly<Record<string, number>> = { ring: 8, grid: 25 };

export const MODES_METRIC = 'modes_covered';
export const QUALITY_METRIC = 'high_quality';
export const FRECHET_METRIC = 'frechet_2d';

export interface OutcomeThresholds {
  /** A cell collapsed when every trial covered at most this many modes (default 2). */
  collapsedModes?: number;
  /** A cell that covered every mode in every trial is "most samples high-quality" when each trial's fraction is at least this (default 0.5). */
  quality?: number;
}

/** One cell's trials with a final modes_covered, in seed order. */
interface CellOutcome {
  label: string;
  trials: { seed: number; modes: number; quality: number | undefined; frechet: number | undefined }[];
}

export type OutcomeClass = 'covered' | 'collapsed' | 'between';

function finalValue(trial: TrialRecord, metric: string): number | undefined {
  const value = trial.final[metric];
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

function cellOutcome(cell: CellSummary): CellOutcome | undefined {
  const trials = cell.trials
    .filter((trial) => trial.status !== 'failed')
    .flatMap((trial) => {
      const modes = finalValue(trial, MODES_METRIC);
      return modes === undefined
        ? []
        : [{ seed: trial.config.seed, modes, quality: finalValue(trial, QUALITY_METRIC), frechet: finalValue(trial, FRECHET_METRIC) }];
    })
    .sort((a, b) => a.seed - b.seed);
  return trials.length === 0 ? undefined : { label: `${cell.loss} + ${cell.regularizer}`, trials };
}

/** covered: every trial covered all `modes`; collapsed: every trial covered at most `collapsedModes`; else between. */
export function classifyCell(modesPerTrial: readonly number[], modes: number, collapsedModes: number): OutcomeClass {
  if (modesPerTrial.length === 0) throw new Error('classifyCell: a cell needs at least one trial');
  if (modesPerTrial.every((m) => m >= modes)) return 'covered';
  if (modesPerTrial.every((m) => m <= collapsedModes)) return 'collapsed';
  return 'between';
}

const percent = (value: number): string => `${Math.round(value * 100)}%`;

/** "52%", or "48–57%" for fractions that differ as shown. */
function percentRange(values: readonly number[]): string {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return percent(lo) === percent(hi) ? percent(lo) : `${Math.round(lo * 100)}–${percent(hi)}`;
}

function numberRange(values: readonly number[]): string {
  if (values.length === 0) return '—';
  const lo = formatNumber(Math.min(...values));
  const hi = formatNumber(Math.max(...values));
  return lo === hi ? lo : `${lo}–${hi}`;
}

function qualities(outcome: CellOutcome): number[] {
  return outcome.trials.flatMap((t) => (t.quality === undefined ? [] : [t.quality]));
}

/** "4", "4 and 8", "1, 4 and 8". */
function joinAnd(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function modesList(outcome: CellOutcome): string {
  return outcome.trials.map((t) => formatNumber(t.modes)).join(', ');
}

/**
 * How many trials "every" is: "both seeds", "all 3 seeds", "its one trial", or "every trial of the cell" when cells
 * differ in size; "trials" instead of "seeds" when some cell has two trials with the same seed (other settings vary).
 */
function everyTrial(outcomes: readonly CellOutcome[]): string {
  const counts = new Set(outcomes.map((o) => o.trials.length));
  if (counts.size !== 1) return 'every trial of the cell';
  const n = [...counts][0] as number;
  const bySeed = outcomes.every((o) => new Set(o.trials.map((t) => t.seed)).size === o.trials.length);
  const unit = bySeed ? 'seeds' : 'trials';
  return n === 1 ? 'its one trial' : n === 2 ? `both ${unit}` : `all ${n} ${unit}`;
}

/**
 * Markdown lines for one (dataset, architecture) group whose trials evaluated modes_covered on a mixture with
 * a known number of modes, or [] when the group has no such trials (an image study). Thresholds are stated
 * in the text.
 */
export function mixtureOutcomeLines(group: StudyGroup, thresholds: OutcomeThresholds = {}): string[] {
  const modes = MIXTURE_MODES[group.dataset];
  const collapsedModes = thresholds.collapsedModes ?? 2;
  const quality = thresholds.quality ?? 0.5;
  if (modes === undefined) return [];
  const outcomes = group.cells.flatMap((cell) => cellOutcome(cell) ?? []);
  if (outcomes.length === 0) return [];
  const inClass = (which: OutcomeClass) =>
    outcomes.filter(
      (o) =>
        classifyCell(
          o.trials.map((t) => t.modes),
          modes,
          collapsedModes,
        ) === which,
    );
  const fewest = (o: CellOutcome) => Math.min(...o.trials.map((t) => t.modes));
  const most = (o: CellOutcome) => Math.max(...o.trials.map((t) => t.modes));
  const minQuality = (o: CellOutcome) => Math.min(...qualities(o), Number.POSITIVE_INFINITY);
  const covered = inClass('covered').sort((a, b) => minQuality(b) - minQuality(a));
  const between = inClass('between').sort((a, b) => fewest(b) - fewest(a) || most(b) - most(a));
  const collapsed = inClass('collapsed').sort((a, b) => most(a) - most(b));

  const withQuality = (o: CellOutcome): string | undefined => {
    const q = qualities(o);
    return q.length === 0 ? undefined : `${percentRange(q)} high-quality`;
  };
  const item = (o: CellOutcome, showModes: boolean): string => {
    const parts = [showModes ? `modes ${joinAnd(o.trials.map((t) => formatNumber(t.modes)))}` : undefined, withQuality(o)].filter(Boolean);
    return parts.length === 0 ? escapeCell(o.label) : `${escapeCell(o.label)} (${parts.join(', ')})`;
  };
  const list = (cells: readonly CellOutcome[], showModes: boolean): string => (cells.length === 0 ? 'none' : cells.map((o) => item(o, showModes)).join('; '));
  const mostlyHigh = covered.filter((o) => qualities(o).length === o.trials.length && minQuality(o) >= quality);
  const lines = [
    `**Outcome on \`${group.dataset}\` (${modes} modes), ${group.architecture}${group.panel ? `, ${group.panel}` : ''}**, at each trial's last evaluation ` +
      `(a mode is covered when ≥ 1% of the samples lie within 3σ of it; high-quality: the fraction within 3σ of some mode):`,
    '',
    `- Covered all ${modes} modes in ${everyTrial(outcomes)}: ${list(covered, false)}.`,
    ...(covered.some((o) => qualities(o).length > 0)
      ? [
          `- Of those, with at least ${percent(quality)} of the samples high-quality in every trial: ${mostlyHigh.length === 0 ? 'none' : mostlyHigh.map((o) => escapeCell(o.label)).join(', ')}.`,
        ]
      : []),
    `- Collapsed (≤ ${collapsedModes} modes in ${everyTrial(outcomes)}): ${list(collapsed, true)}.`,
    `- In between, or split across trials: ${list(between, true)}.`,
    '',
    outcomeTable([...covered, ...between, ...collapsed]),
    '',
    `Per cell, at the last evaluation: modes covered by each trial (in seed order), and the spread (min–max over the trials) of the ` +
      `high-quality fraction and of the 2-D Fréchet distance to real samples (lower is better; it compares means and covariances only, so ` +
      `a blob with the ring's spread scores well without finding a mode).`,
  ];
  return lines;
}

function outcomeTable(ordered: readonly CellOutcome[]): string {
  const rows = ordered.map((o) => [
    escapeCell(o.label),
    modesList(o),
    qualities(o).length === 0 ? '—' : percentRange(qualities(o)),
    numberRange(o.trials.flatMap((t) => (t.frechet === undefined ? [] : [t.frechet]))),
  ]);
  return markdownTable(['loss + regularizer', 'modes covered (per trial)', 'high-quality', '2-D Fréchet'], rows, ['left', 'right', 'right', 'right']);
}
