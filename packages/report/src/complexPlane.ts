import { allFinite, baseConfig, checkPositive, extent, VEGA_LITE_SCHEMA, type VegaLiteSpec } from './spec.js';

/** An eigenvalue `re + i·im` at one value of the swept parameter (e.g. the regularization weight γ). */
export interface ComplexPoint {
  re: number;
  im: number;
  param: number;
}

/** One eigenvalue branch as the parameter varies; give each branch (e.g. λ and its conjugate) its own series. */
export interface ComplexSeries {
  label: string;
  points: readonly ComplexPoint[];
}

export interface ComplexPlanePathOptions {
  series: readonly ComplexSeries[];
  title: string;
  /** Legend title of the colour scale, e.g. 'γ'. */
  paramTitle: string;
  xTitle?: string;
  yTitle?: string;
  /** Plot area size in pixels (default 320 × 320). */
  width?: number;
  height?: number;
}

const DEFAULT_SIZE = 320;
/** Margin around the data as a fraction of its span, so points and the Re = 0 line never sit on the frame. */
const DOMAIN_MARGIN = 0.08;

/**
 * Eigenvalue paths in the complex plane: each branch is a grey line through points coloured by the parameter,
 * with the imaginary axis (Re = 0, the boundary of local convergence) dashed and the real axis drawn thin.
 * Points with a non-finite coordinate or parameter are dropped.
 */
export function complexPlanePath(options: ComplexPlanePathOptions): VegaLiteSpec {
  const width = options.width ?? DEFAULT_SIZE;
  const height = options.height ?? DEFAULT_SIZE;
  checkPositive(width, 'width');
  checkPositive(height, 'height');
  const rows = options.series.flatMap(({ label, points }) =>
    points.filter((p) => allFinite(p.re, p.im, p.param)).map((p, index) => ({ series: label, index, re: p.re, im: p.im, param: p.param })),
  );
  const labels = [...new Set(rows.map((row) => row.series))];
  const x = {
    field: 're',
    type: 'quantitative' as const,
    title: options.xTitle ?? 'Re λ',
    scale: { domain: paddedAroundZero(rows.map((r) => r.re)), zero: false },
  };
  const y = {
    field: 'im',
    type: 'quantitative' as const,
    title: options.yTitle ?? 'Im λ',
    scale: { domain: paddedAroundZero(rows.map((r) => r.im)), zero: false },
  };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: options.title, subtitle: 'Re λ < 0 (left of the dashed line): locally convergent' },
    width,
    height,
    config: baseConfig(),
    layer: [
      // A datum-only layer still needs one (empty) row, or Vega draws nothing.
      { data: { values: [{}] }, mark: { type: 'rule', color: '#bbb', strokeWidth: 1 }, encoding: { y: { datum: 0, type: 'quantitative' } } },
      {
        data: { values: [{}] },
        mark: { type: 'rule', color: '#444', strokeWidth: 1.25, strokeDash: [5, 4] },
        encoding: { x: { datum: 0, type: 'quantitative' } },
      },
      {
        data: { values: rows },
        mark: { type: 'line', color: '#9a9a9a', strokeWidth: 1.25 },
        encoding: { x, y, detail: { field: 'series', type: 'nominal' }, order: { field: 'index', type: 'quantitative' } },
      },
      {
        data: { values: rows },
        mark: { type: 'point', filled: true, opacity: 0.95, size: 42, stroke: '#333', strokeWidth: 0.4 },
        encoding: {
          x,
          y,
          color: { field: 'param', type: 'quantitative', title: options.paramTitle, scale: { scheme: 'viridis' } },
          shape: { field: 'series', type: 'nominal', title: null, sort: labels, scale: { domain: labels } },
        },
      },
    ],
  };
}

/** Data range widened to include 0 (where the axes are drawn) plus a margin on both sides. */
export function paddedAroundZero(values: readonly number[]): [number, number] {
  const [low, high] = extent([0, ...values]) as [number, number];
  const margin = (high - low || 1) * DOMAIN_MARGIN;
  return [low - margin, high + margin];
}
