import { createHash } from 'node:crypto';
import {
  allFinite,
  baseConfig,
  checkInterval,
  checkPositive,
  type Domain2D,
  extent,
  fixedScaleField,
  SERIES_COLORS,
  VEGA_LITE_SCHEMA,
  type VegaLiteSpec,
  type XY,
} from './spec.js';

/** One arrow of a vector field: the vector `(u, v)` attached at `(x, y)`. */
export interface FieldVector {
  x: number;
  y: number;
  u: number;
  v: number;
}

/** A labelled path through parameter space, one point per training step (step = index). */
export interface Trajectory {
  label: string;
  points: readonly XY[];
}

export interface VectorFieldOptions {
  /** Arrows on a grid (e.g. the negative gradient field of a Dirac-GAN); non-finite vectors are skipped. */
  field: readonly FieldVector[];
  /** Drawn on top of the field; points after the first non-finite one are dropped (a diverged run). */
  trajectories: readonly Trajectory[];
  /** Axis ranges `[[xmin, xmax], [ymin, ymax]]`; marks outside are clipped. */
  domain: Domain2D;
  title: string;
  xTitle: string;
  yTitle: string;
  /** Plot area size in pixels (default 300 × 300). */
  width?: number;
  height?: number;
  /** Where the equilibrium marker goes (default the origin, as for the Dirac-GAN). */
  equilibrium?: XY;
  /**
   * 'proportional' (default): arrow length ∝ |(u, v)|, the longest one grid cell. 'uniform': every arrow one
   * grid cell long, showing direction only — for fields whose magnitude spans orders and hides small arrows.
   */
  arrowLength?: ArrowLength;
}

export type ArrowLength = 'proportional' | 'uniform';

/** One quiver arrow in data coordinates, plus its arrowhead in pixels. */
export interface QuiverArrow {
  x: number;
  y: number;
  x2: number;
  y2: number;
  /** Clockwise rotation from "pointing up" in screen space, in degrees (Vega's symbol angle). */
  headAngle: number;
  /** Vega symbol area whose custom path makes a head of the wanted length. */
  headSize: number;
}

/** Longest arrow as a fraction of one grid cell: long enough to read, short enough not to touch its neighbour. */
export const ARROW_CELL_FRACTION = 0.9;
/** Arrowheads never exceed this many pixels, so dense fields stay legible. */
export const MAX_HEAD_PIXELS = 6;
/** Arrowhead length relative to its arrow, so short arrows keep a visible shaft. */
const HEAD_FRACTION = 0.35;
/** Symbol path with its tip at the anchor, pointing up: anchoring at the arrow's end puts the tip exactly there. */
const ARROWHEAD_PATH = 'M0,0L-0.55,1L0.55,1Z';
const ARROW_COLOR = '#8c8c8c';
const DEFAULT_SIZE = 300;

/** Quiver plot of a 2-D vector field with trajectories on top, start points and the equilibrium marked. */
export function vectorFieldWithTrajectories(options: VectorFieldOptions): VegaLiteSpec {
  const width = options.width ?? DEFAULT_SIZE;
  const height = options.height ?? DEFAULT_SIZE;
  checkPositive(width, 'width');
  checkPositive(height, 'height');
  const [xDomain, yDomain] = options.domain;
  checkInterval(xDomain, 'domain[0] (x)');
  checkInterval(yDomain, 'domain[1] (y)');
  const [eqX, eqY] = options.equilibrium ?? [0, 0];

  const arrows = quiverArrows(options.field, options.domain, width, height, options.arrowLength);
  // Panels of one study usually share the field: a content-named dataset lets panelGrid store it once.
  const fieldDataset = `field-${createHash('sha256').update(JSON.stringify(arrows)).digest('hex').slice(0, 12)}`;
  const pathRows = trajectoryRows(options.trajectories);
  const x = fixedScaleField('x', options.xTitle, xDomain);
  const y = fixedScaleField('y', options.yTitle, yDomain);
  const color = { field: 'label', type: 'nominal' as const, title: 'run', scale: { range: SERIES_COLORS } };
  const markerShape = { type: 'nominal' as const, title: null, scale: { domain: ['start', 'equilibrium'], range: ['circle', 'diamond'] } };

  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title,
    width,
    height,
    // The quiver itself is a grid; axis grid lines would only compete with it.
    config: { ...baseConfig(), axis: { ...baseConfig().axis, grid: false } },
    datasets: { [fieldDataset]: arrows },
    encoding: { x, y },
    layer: [
      {
        data: { name: fieldDataset },
        mark: { type: 'rule', clip: true, color: ARROW_COLOR, strokeWidth: 1 },
        encoding: { x2: { field: 'x2' }, y2: { field: 'y2' } },
      },
      {
        data: { name: fieldDataset },
        mark: { type: 'point', shape: ARROWHEAD_PATH, filled: true, opacity: 1, clip: true, color: ARROW_COLOR },
        encoding: {
          x: fixedScaleField('x2', options.xTitle, xDomain),
          y: fixedScaleField('y2', options.yTitle, yDomain),
          angle: { field: 'headAngle', type: 'quantitative', scale: null },
          size: { field: 'headSize', type: 'quantitative', scale: null },
        },
      },
      {
        data: { values: pathRows },
        mark: { type: 'line', clip: true, strokeWidth: 1.75 },
        encoding: { color, order: { field: 'step', type: 'quantitative' } },
      },
      {
        data: { values: pathRows.filter((row) => row.step === 0) },
        mark: { type: 'point', clip: true, filled: true, opacity: 1, size: 60, stroke: 'white', strokeWidth: 1 },
        encoding: { color, shape: { ...markerShape, datum: 'start' } },
      },
      {
        data: { values: [{ x: eqX, y: eqY }] },
        mark: { type: 'point', clip: true, filled: true, opacity: 1, size: 90, color: 'black', stroke: 'white', strokeWidth: 1 },
        encoding: { shape: { ...markerShape, datum: 'equilibrium' } },
      },
    ],
  };
}

/**
 * Turns field vectors into screen-proportional arrows: the longest is ARROW_CELL_FRACTION of a grid cell,
 * and heads are rotated in pixel space, so arrows point the right way even when x and y are scaled differently.
 */
export function quiverArrows(
  field: readonly FieldVector[],
  domain: Domain2D,
  width: number,
  height: number,
  arrowLength: ArrowLength = 'proportional',
): QuiverArrow[] {
  const [[xmin, xmax], [ymin, ymax]] = domain;
  const pxPerX = width / (xmax - xmin);
  const pxPerY = height / (ymax - ymin);
  const finite = field.filter((f) => allFinite(f.x, f.y, f.u, f.v));
  const cellPixels = Math.min(
    gridSpacing(
      finite.map((f) => f.x),
      xmax - xmin,
    ) * pxPerX,
    gridSpacing(
      finite.map((f) => f.y),
      ymax - ymin,
    ) * pxPerY,
  );
  const longestPixels = extent(finite.map((f) => Math.hypot(f.u * pxPerX, f.v * pxPerY)))?.[1] ?? 0;
  const stretch = longestPixels > 0 ? (ARROW_CELL_FRACTION * cellPixels) / longestPixels : 0;
  return finite.map((f) => {
    const magnitudePixels = Math.hypot(f.u * pxPerX, f.v * pxPerY);
    // Uniform arrows divide each vector by its own length instead of the longest one's.
    const scale = arrowLength === 'uniform' ? (magnitudePixels > 0 ? (ARROW_CELL_FRACTION * cellPixels) / magnitudePixels : 0) : stretch;
    const lengthPixels = scale * magnitudePixels;
    const headPixels = Math.min(MAX_HEAD_PIXELS, HEAD_FRACTION * lengthPixels);
    return {
      x: f.x,
      y: f.y,
      x2: f.x + scale * f.u,
      y2: f.y + scale * f.v,
      // Screen y grows downwards, data y upwards: the clockwise angle from "up" is atan2(dx_px, dy_data_px).
      headAngle: roundTo((Math.atan2(f.u * pxPerX, f.v * pxPerY) * 180) / Math.PI, 2),
      // Vega scales a custom symbol path by sqrt(size) / 2, and the head path is one unit long.
      headSize: roundTo((2 * headPixels) ** 2, 2),
    };
  });
}

/** Rounds presentation-only numbers so saved specs stay small and readable. */
function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** Smallest gap between distinct coordinates (the grid step); a tenth of the span when there is no grid. */
export function gridSpacing(coordinates: readonly number[], span: number): number {
  const sorted = [...new Set(coordinates)].sort((a, b) => a - b);
  let spacing = Number.POSITIVE_INFINITY;
  for (let i = 1; i < sorted.length; i++) {
    spacing = Math.min(spacing, (sorted[i] as number) - (sorted[i - 1] as number));
  }
  return Number.isFinite(spacing) ? spacing : span / 10;
}

/** One row per finite trajectory point, up to the first non-finite one (after it, the run has diverged). */
function trajectoryRows(trajectories: readonly Trajectory[]): { label: string; step: number; x: number; y: number }[] {
  return trajectories.flatMap(({ label, points }) => {
    const firstBad = points.findIndex(([x, y]) => !allFinite(x, y));
    const kept = firstBad === -1 ? points : points.slice(0, firstBad);
    return kept.map(([x, y], step) => ({ label, step, x, y }));
  });
}
