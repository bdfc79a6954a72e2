import { panelGrid } from './panelGrid.js';
import { allFinite, baseConfig, checkInterval, checkPositive, type Domain2D, fixedScaleField, VEGA_LITE_SCHEMA, type VegaLiteSpec, type XY } from './spec.js';

/** Generated samples at one moment of training. */
export interface SampleSnapshot {
  /** Panel title, e.g. 'step 2000'. */
  title: string;
  fake: readonly XY[];
}

export interface ScatterSnapshotsOptions {
  /** Samples of the target distribution, drawn in grey under every panel. */
  real: readonly XY[];
  snapshots: readonly SampleSnapshot[];
  columns: number;
  /** Axis ranges `[[xmin, xmax], [ymin, ymax]]`, the same for every panel so snapshots compare at a glance. */
  domain: Domain2D;
  /** Title over the whole grid (default 'Real and generated samples'). */
  title?: string;
  /** Side of each square panel in pixels (default 180). */
  panelSize?: number;
}

const REAL_DATASET = 'real';
const REAL_COLOR = '#9e9e9e';
const FAKE_COLOR = '#d62728';
const DEFAULT_PANEL_SIZE = 180;

/**
 * Grid of scatter panels for 2-D mixture training: real samples grey, generated ones coloured, axes fixed to
 * `domain` (points outside are clipped). The real samples are stored once as a named dataset, not per panel.
 * Generated samples outside the domain or non-finite (a diverged generator) are dropped and counted
 * in the panel title: far-off coordinates make the renderer's geometry overflow.
 */
export function scatterSnapshots(options: ScatterSnapshotsOptions): VegaLiteSpec {
  const size = options.panelSize ?? DEFAULT_PANEL_SIZE;
  checkPositive(size, 'panelSize');
  const [xDomain, yDomain] = options.domain;
  checkInterval(xDomain, 'domain[0] (x)');
  checkInterval(yDomain, 'domain[1] (y)');
  if (options.snapshots.length === 0) throw new Error('scatterSnapshots needs at least one snapshot; got none');
  const real = finiteRows(options.real);
  const panels = options.snapshots.map((snapshot): VegaLiteSpec => {
    const fake = finiteRows(snapshot.fake).filter(({ x, y }) => x >= xDomain[0] && x <= xDomain[1] && y >= yDomain[0] && y <= yDomain[1]);
    const dropped = snapshot.fake.length - fake.length;
    const sample = { type: 'nominal' as const, title: null, scale: { domain: ['real', 'generated'], range: [REAL_COLOR, FAKE_COLOR] } };
    return {
      $schema: VEGA_LITE_SCHEMA,
      title: dropped === 0 ? snapshot.title : `${snapshot.title} (${dropped} outside the axes)`,
      width: size,
      height: size,
      config: baseConfig(),
      datasets: { [REAL_DATASET]: real },
      encoding: { x: fixedScaleField('x', 'x', xDomain), y: fixedScaleField('y', 'y', yDomain) },
      layer: [
        {
          data: { name: REAL_DATASET },
          mark: { type: 'circle', size: 9, opacity: 0.45, clip: true },
          encoding: { color: { ...sample, datum: 'real' } },
        },
        {
          data: { values: fake },
          mark: { type: 'circle', size: 9, opacity: 0.7, clip: true },
          encoding: { color: { ...sample, datum: 'generated' } },
        },
      ],
    };
  });
  return panelGrid(panels, options.columns, options.title ?? 'Real and generated samples');
}

/** Rows for the finite points only: Vega would drop NaN anyway, and JSON would turn Infinity into null. */
function finiteRows(points: readonly XY[]): { x: number; y: number }[] {
  return points.filter(([x, y]) => allFinite(x, y)).map(([x, y]) => ({ x, y }));
}
