import type { Config, TopLevelSpec } from 'vega-lite';
import { FONT_FAMILY } from './fonts.js';

/** A complete Vega-Lite specification, as every builder returns and `renderSpec` accepts. */
export type VegaLiteSpec = TopLevelSpec;

/** A point in the plane as `[x, y]`. */
export type XY = readonly [number, number];

/** An axis-aligned box as `[[xmin, xmax], [ymin, ymax]]`. */
export type Domain2D = readonly [readonly [number, number], readonly [number, number]];

/** The schema URL written into specs, so the Vega editor opens a saved `.vl.json` as Vega-Lite. */
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Shared config: the shipped font everywhere, so text renders without system fonts. */
export function baseConfig(): Config {
  return {
    font: FONT_FAMILY,
    title: { fontSize: 13, subtitleFontSize: 11 },
    // labelSeparation: adjacent tick labels keep a gap, or Vega hides one, instead of touching.
    axis: { labelFontSize: 10, titleFontSize: 11, labelSeparation: 4 },
    legend: { labelFontSize: 10, titleFontSize: 11, labelLimit: 320 },
    view: { stroke: '#bbb' },
  };
}

/** Categorical palette (Tableau 10) named once so every builder colours series alike. */
export const SERIES_COLORS = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];

/** Whether every number is finite: Vega drops NaN silently and JSON turns Infinity into null. */
export function allFinite(...values: number[]): boolean {
  return values.every(Number.isFinite);
}

/** Fails early, naming the field, when a domain is not an increasing finite interval. */
export function checkInterval(interval: readonly [number, number], field: string): void {
  const [low, high] = interval;
  if (!allFinite(low, high) || !(low < high)) {
    throw new Error(`${field} must be an increasing finite interval [min, max]; got [${low}, ${high}]`);
  }
}

/** Fails early, naming the field, when a size is not a positive finite number. */
export function checkPositive(value: number, field: string): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${field} must be a positive finite number; got ${value}`);
  }
}

/** A quantitative position channel pinned to an interval, so panels of the same experiment share axes. */
export function fixedScaleField(field: string, title: string, interval: readonly [number, number]) {
  return { field, type: 'quantitative' as const, title, scale: { domain: [interval[0], interval[1]], nice: false, zero: false } };
}

/** Smallest and largest value, by loop: spreading a long array into Math.min overflows the stack. */
export function extent(values: Iterable<number>): [number, number] | undefined {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    if (value < low) low = value;
    if (value > high) high = value;
  }
  return low <= high ? [low, high] : undefined;
}
