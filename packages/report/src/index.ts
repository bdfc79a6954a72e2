/** @ganbench/report — plots as Vega-Lite specs, rendered headless to SVG and PNG with a shipped font. */
export { type ComplexPlanePathOptions, type ComplexPoint, type ComplexSeries, complexPlanePath } from './complexPlane.js';
export { FONT_FAMILY, shippedFontFiles } from './fonts.js';
export { encodePng, imageGridPng } from './imageGrid.js';
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
export { replaceDirectory } from './replaceDirectory.js';
export { type SampleSnapshot, type ScatterSnapshotsOptions, scatterSnapshots } from './scatterSnapshots.js';
export type { Domain2D, VegaLiteSpec, XY } from './spec.js';
export { BUDGET_BAND, type BudgetPoint, bestOfBudget, budgetCurve, expectedBestOfK, quantile } from './study/budget.js';
export {
  axisValue,
  type CellSummary,
  defaultPivot,
  PIVOT_AXES,
  type Pivot,
  type PivotAxis,
  parsePivot,
  type StudyGroup,
  summarizeCell,
  summarizeStudy,
  trialValue,
} from './study/cells.js';
export { type BoxPlotRow, type BudgetSeries, budgetCurves, metricBoxPlot, type TrainingCurveRow, trainingCurves } from './study/figures.js';
export { type HyperparameterSummary, summarizeHyperparameters } from './study/hyperparameters.js';
export { parseMetricsJsonl, parseTrialsJsonl, readStudyResults, readTrialMetrics, type StudyInfo, type StudyResults } from './study/records.js';
export {
  DEFAULT_BOOTSTRAP_SAMPLES,
  DEFAULT_BOOTSTRAP_SEED,
  type StudyReport,
  type StudyReportOptions,
  thinSeries,
  writeStudyReport,
} from './study/report.js';
export { type SeededRng, seededRng, type UniformIntSource } from './study/rng.js';
export { failureTable, kurachTable, markCells } from './study/tables.js';
export {
  type ArrowLength,
  type FieldVector,
  type QuiverArrow,
  quiverArrows,
  type Trajectory,
  type VectorFieldOptions,
  vectorFieldWithTrajectories,
} from './vectorField.js';
