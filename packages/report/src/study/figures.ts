/** Vega-Lite specs for the study report. Pure builders: data in, a self-contained spec out, only finite numbers inside. */

import type { MetricGoal } from '@ganbench/study-folder';
import { baseConfig, checkPositive, SERIES_COLORS, VEGA_LITE_SCHEMA, type VegaLiteSpec } from '../spec.js';
import type { BudgetPoint } from './budget.js';

/** The metric's name with the direction a reader needs to read any plot of it. */
export function metricTitle(metric: string, goal: MetricGoal): string {
  return `${metric} (${goal === 'min' ? 'lower' : 'higher'} is better)`;
}

export interface BoxPlotRow {
  loss: string;
  regularizer: string;
  value: number;
}

export interface MetricBoxPlotOptions {
  rows: readonly BoxPlotRow[];
  losses: readonly string[];
  regularizers: readonly string[];
  metric: string;
  goal: MetricGoal;
  title: string;
  /** What the panels (`loss` rows) and boxes (`regularizer` rows) are, when the table is pivoted (default loss, regularizer). */
  axisTitles?: { rows: string; columns: string };
}

/**
 * One panel per loss, one box per regularizer (coloured alike in every panel), every trial also drawn as a dot:
 * with two seeds a box is two lines, and the dots keep that honest. Whiskers span 1.5 IQR (Tukey).
 */
export function metricBoxPlot(options: MetricBoxPlotOptions): VegaLiteSpec {
  const rows = options.rows.filter((row) => Number.isFinite(row.value));
  const titles = options.axisTitles ?? { rows: 'loss', columns: 'regularizer' };
  const regularizer = { field: 'regularizer', type: 'nominal' as const, title: titles.columns, sort: [...options.regularizers] };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title,
    config: baseConfig(),
    data: { values: rows },
    facet: { column: { field: 'loss', type: 'nominal', title: titles.rows, sort: [...options.losses] } },
    spec: {
      width: { step: 28 },
      height: 220,
      encoding: {
        x: { ...regularizer, axis: { labelAngle: -40 } },
        y: { field: 'value', type: 'quantitative', title: metricTitle(options.metric, options.goal), scale: { zero: false } },
        color: { ...regularizer, scale: { domain: [...options.regularizers], range: SERIES_COLORS }, legend: null },
      },
      layer: [
        { mark: { type: 'boxplot', extent: 1.5, size: 16, opacity: 0.55, median: { color: 'black' } } },
        { mark: { type: 'point', filled: true, size: 18, opacity: 0.85, color: 'black' } },
      ],
    },
  };
}

export interface BudgetSeries {
  /** Line label (the colour legend), e.g. the loss. */
  label: string;
  /** Panel title when the chart is faceted, e.g. the loss when lines are regularizers. */
  panel?: string;
  points: readonly BudgetPoint[];
}

export interface BudgetCurvesOptions {
  series: readonly BudgetSeries[];
  metric: string;
  goal: MetricGoal;
  title: string;
  /** Legend title for the lines, e.g. 'loss'. */
  seriesTitle: string;
  /** Facet title when series have panels, e.g. 'loss'. */
  panelTitle?: string;
  /** Panels per row when faceted (default 3). */
  columns?: number;
  width?: number;
  height?: number;
}

/**
 * Lucic et al. 2018, Fig. 4: expected best metric after k trials (line), with the 5–95 % bootstrap band (shaded),
 * one line per series; faceted when the series name panels.
 */
export function budgetCurves(options: BudgetCurvesOptions): VegaLiteSpec {
  const width = options.width ?? 320;
  const height = options.height ?? 220;
  checkPositive(width, 'width');
  checkPositive(height, 'height');
  const faceted = options.series.some((series) => series.panel !== undefined);
  const labels = [...new Set(options.series.map((series) => series.label))];
  const rows = options.series.flatMap((series) =>
    series.points
      .filter((point) => Number.isFinite(point.mean) && Number.isFinite(point.low) && Number.isFinite(point.high))
      .map((point) => ({
        series: series.label,
        ...(faceted ? { panel: series.panel ?? '' } : {}),
        k: point.k,
        mean: point.mean,
        low: point.low,
        high: point.high,
      })),
  );
  const color = { field: 'series', type: 'nominal' as const, title: options.seriesTitle, sort: labels, scale: { domain: labels, range: SERIES_COLORS } };
  const x = {
    field: 'k',
    type: 'quantitative' as const,
    title: 'number of trials (budget)',
    axis: { tickMinStep: 1, format: 'd' },
    scale: { zero: false, nice: false },
  };
  const yTitle = `${options.goal === 'min' ? 'min' : 'max'} ${options.metric} after k trials`;
  const layers = {
    width,
    height,
    layer: [
      {
        mark: { type: 'area' as const, opacity: 0.18 },
        encoding: { x, y: { field: 'low', type: 'quantitative' as const, title: yTitle, scale: { zero: false } }, y2: { field: 'high' }, color },
      },
      {
        mark: { type: 'line' as const, strokeWidth: 1.75, point: { size: 14 } },
        encoding: { x, y: { field: 'mean', type: 'quantitative' as const, title: yTitle }, color },
      },
    ],
  };
  const subtitle = `mean and 5–95 % band of the best of k trials drawn with replacement; ${options.goal === 'min' ? 'lower' : 'higher'} is better`;
  const head = { $schema: VEGA_LITE_SCHEMA, title: { text: options.title, subtitle }, config: baseConfig(), data: { values: rows } };
  if (!faceted) return { ...head, ...layers };
  const panels = [...new Set(options.series.map((series) => series.panel ?? ''))];
  return {
    ...head,
    facet: { field: 'panel', type: 'nominal', title: options.panelTitle ?? null, sort: panels },
    columns: options.columns ?? 3,
    spec: layers,
  };
}

export interface TrainingCurveRow {
  loss: string;
  regularizer: string;
  /** Line label, e.g. 'd_loss'. */
  series: string;
  step: number;
  value: number;
}

export interface TrainingCurvesOptions {
  rows: readonly TrainingCurveRow[];
  /** Where a trial diverged, drawn as a red dashed rule in its panel. */
  divergences: readonly { loss: string; regularizer: string; step: number }[];
  losses: readonly string[];
  regularizers: readonly string[];
  title: string;
  subtitle?: string;
  yTitle: string;
  /** Each panel its own y scale (losses of different GAN losses differ in scale); otherwise shared, to compare panels. */
  independentY: boolean;
  /** Draw a dot at each point as well (for sparse series such as evaluations). */
  points?: boolean;
  /** What the facet rows (`loss`) and columns (`regularizer`) are, when the table is pivoted (default loss, regularizer). */
  axisTitles?: { rows: string; columns: string };
  width?: number;
  height?: number;
}

/** Small multiples laid out like the table (rows loss, columns regularizer): lines over generator steps. */
export function trainingCurves(options: TrainingCurvesOptions): VegaLiteSpec {
  const width = options.width ?? 170;
  const height = options.height ?? 110;
  checkPositive(width, 'width');
  checkPositive(height, 'height');
  const lines = options.rows.filter((row) => Number.isFinite(row.step) && Number.isFinite(row.value)).map((row) => ({ ...row, kind: 'line' }));
  const rules = options.divergences.filter((rule) => Number.isFinite(rule.step)).map((rule) => ({ ...rule, kind: 'diverged', series: 'diverged' }));
  const labels = [...new Set(lines.map((row) => row.series))];
  const step = { field: 'step', type: 'quantitative' as const, title: 'generator step', axis: { tickCount: 4 } };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.subtitle ? { text: options.title, subtitle: options.subtitle } : options.title,
    config: baseConfig(),
    data: { values: [...lines, ...rules] },
    facet: {
      row: { field: 'loss', type: 'nominal', title: options.axisTitles?.rows ?? 'loss', sort: [...options.losses] },
      column: { field: 'regularizer', type: 'nominal', title: options.axisTitles?.columns ?? 'regularizer', sort: [...options.regularizers] },
    },
    spec: {
      width,
      height,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'line'" }],
          mark: { type: 'line', strokeWidth: 1.25, clip: true, ...(options.points ? { point: { size: 14 } } : {}) },
          encoding: {
            x: step,
            y: { field: 'value', type: 'quantitative', title: options.yTitle, scale: { zero: false } },
            // One series needs no legend: the y title names it.
            color: {
              field: 'series',
              type: 'nominal',
              title: null,
              sort: labels,
              scale: { domain: labels, range: SERIES_COLORS },
              ...(labels.length < 2 ? { legend: null } : {}),
            },
            order: { field: 'step', type: 'quantitative' },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'diverged'" }],
          mark: { type: 'rule', color: '#d62728', strokeDash: [4, 3] },
          encoding: { x: step },
        },
      ],
    },
    ...(options.independentY ? { resolve: { scale: { y: 'independent' } } } : {}),
  };
}
