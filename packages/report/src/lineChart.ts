import { allFinite, baseConfig, checkInterval, checkPositive, extent, SERIES_COLORS, VEGA_LITE_SCHEMA, type VegaLiteSpec, type XY } from './spec.js';

/** A labelled curve; y may be ±Infinity (a divergence that blows up) or NaN (undefined there). */
export interface LineSeries {
  label: string;
  points: readonly XY[];
}

export interface LineChartOptions {
  series: readonly LineSeries[];
  title: string;
  xTitle: string;
  yTitle: string;
  /** Fixed y range; values outside it (±Infinity included) are drawn at its edge. Default: the finite data range. */
  yDomain?: readonly [number, number];
  /** Plot area size in pixels (default 400 × 260). */
  width?: number;
  height?: number;
}

/** A chart row; `edge` marks where the line runs onto the top or bottom edge because y is off-scale there. */
export interface LineChartRow {
  series: string;
  x: number;
  y: number | null;
  edge: 'above' | 'below' | null;
}

const DEFAULT_WIDTH = 400;
const DEFAULT_HEIGHT = 260;

/**
 * Multi-series line chart. Off-scale handling, so nothing becomes NaN or silently disappears:
 * y above the y range (including +Infinity) is drawn at the top edge, below it (including -Infinity) at the
 * bottom edge, with a ▲/▼ marker where the line runs onto and off the edge; the series' legend label says how
 * many points were moved.
 * The y range is `yDomain` when given, otherwise the range of the finite values. NaN y breaks the line there;
 * points with a non-finite x are dropped.
 */
export function lineChart(options: LineChartOptions): VegaLiteSpec {
  const width = options.width ?? DEFAULT_WIDTH;
  const height = options.height ?? DEFAULT_HEIGHT;
  checkPositive(width, 'width');
  checkPositive(height, 'height');
  if (options.yDomain) checkInterval(options.yDomain, 'yDomain');
  const yRange = options.yDomain ?? finiteRange(options.series);
  const rows = options.series.flatMap((series) => clampSeries(series, yRange));
  const labels = [...new Set(rows.map((row) => row.series))];
  const color = { field: 'series', type: 'nominal' as const, title: null, sort: labels, scale: { domain: labels, range: SERIES_COLORS } };
  const x = { field: 'x', type: 'quantitative' as const, title: options.xTitle, scale: { zero: false } };
  const y = {
    field: 'y',
    type: 'quantitative' as const,
    title: options.yTitle,
    scale: options.yDomain ? { domain: [yRange[0], yRange[1]], nice: false, zero: false } : { zero: false },
  };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title,
    width,
    height,
    config: baseConfig(),
    data: { values: rows },
    encoding: { x, y, color },
    layer: [
      // Null y breaks the path instead of joining across an undefined stretch.
      {
        mark: { type: 'line', strokeWidth: 1.75, clip: true, invalid: 'break-paths-filter-domains' },
        encoding: { order: { field: 'x', type: 'quantitative' } },
      },
      {
        transform: [{ filter: 'datum.edge != null' }],
        mark: { type: 'point', filled: true, opacity: 1, size: 45, clip: false },
        encoding: { shape: { field: 'edge', type: 'nominal', legend: null, scale: { domain: ['above', 'below'], range: ['triangle-up', 'triangle-down'] } } },
      },
    ],
  };
}

/** Clamps one series into the y range (sorted by x), marking where it leaves it and counting moved points in the label. */
export function clampSeries(series: LineSeries, [low, high]: readonly [number, number]): LineChartRow[] {
  const kept = series.points.filter(([x]) => Number.isFinite(x)).sort(([a], [b]) => a - b);
  const sides = kept.map(([, y]) => (y > high ? 'above' : y < low ? 'below' : null));
  const label = labelWithOffScaleNote(series.label, sides, [low, high]);
  return kept.map(([x, y], i) => {
    const side = sides[i] ?? null;
    // One marker where a run of off-scale points starts and one where it ends: a marker per point would be a wall.
    const edge = side !== null && (sides[i - 1] !== side || sides[i + 1] !== side) ? side : null;
    const shown = Number.isNaN(y) ? null : side === 'above' ? high : side === 'below' ? low : y;
    return { series: label, x, y: shown, edge };
  });
}

/** The series label plus how many points were moved to which edge, so the reader knows the line there is a bound. */
function labelWithOffScaleNote(label: string, sides: readonly ('above' | 'below' | null)[], [low, high]: readonly [number, number]): string {
  const above = sides.filter((side) => side === 'above').length;
  const below = sides.filter((side) => side === 'below').length;
  const notes = [...(above > 0 ? [`${above} pts above ${shortNumber(high)} ▲`] : []), ...(below > 0 ? [`${below} pts below ${shortNumber(low)} ▼`] : [])];
  return notes.length === 0 ? label : `${label} (${notes.join(', ')}: drawn at the edge)`;
}

/** Four significant digits are plenty for a bound named in a legend. */
function shortNumber(value: number): string {
  return String(Number(value.toPrecision(4)));
}

/** Range of the finite y values over all series; [0, 1] when there are none, widened when flat. */
export function finiteRange(series: readonly LineSeries[]): [number, number] {
  const ys = series.flatMap((s) => s.points.filter(([x, y]) => allFinite(x, y)).map(([, y]) => y));
  const range = extent(ys);
  if (!range) return [0, 1];
  const [low, high] = range;
  return low === high ? [low - 0.5, high + 0.5] : [low, high];
}
