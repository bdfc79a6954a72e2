/** @ganbench/report — plots as Vega-Lite specs, rendered headless to SVG and PNG with a shipped font. */
export { type ComplexPlanePathOptions, type ComplexPoint, type ComplexSeries, complexPlanePath } from './complexPlane.js';
export { FONT_FAMILY, shippedFontFiles } from './fonts.js';
export { type LineChartOptions, type LineSeries, lineChart } from './lineChart.js';
export { panelGrid } from './panelGrid.js';
export {
  DEFAULT_PNG_SCALE,
  type RenderedPlot,
  type RenderOptions,
  renderSpec,
  specToSvg,
  svgToPng,
  type WrittenPlot,
  writeFileAtomically,
  writePlot,
} from './render.js';
export { type SampleSnapshot, type ScatterSnapshotsOptions, scatterSnapshots } from './scatterSnapshots.js';
export type { Domain2D, VegaLiteSpec, XY } from './spec.js';
export {
  type ArrowLength,
  type FieldVector,
  type QuiverArrow,
  quiverArrows,
  type Trajectory,
  type VectorFieldOptions,
  vectorFieldWithTrajectories,
} from './vectorField.js';
export { replaceDirectory } from './replaceDirectory.js';
