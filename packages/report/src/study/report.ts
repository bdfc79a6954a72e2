/**
 * `ganbench report <study>`: report.md and figures/ for a study folder, written so that a failure at any point
 * leaves the previous report whole. Everything is computed from trials.jsonl and the best trials' metrics.jsonl.
 */
import { existsSync } from 'node:fs';
import { copyFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { type CheckpointEvaluation, type MetricPoint, readEvaluations, type TrialRecord } from '@ganbench/study-folder';
import { type WrittenPlot, writeFileAtomically, writePlot } from '../render.js';
import { replaceDirectory } from '../replaceDirectory.js';
import type { VegaLiteSpec } from '../spec.js';
import { BUDGET_BAND, type BudgetPoint, budgetCurve } from './budget.js';
import { LOSS_BY_REGULARIZATION, type Pivot, type StudyGroup, sortTrials, studyPrimary, summarizeStudy } from './cells.js';
import { type BudgetSeries, budgetCurves, metricBoxPlot, metricTitle, type TrainingCurveRow, trainingCurves } from './figures.js';
import { formatSettings, type HyperparameterSummary, summarizeHyperparameters } from './hyperparameters.js';
import { mixtureOutcomeLines } from './mixtureOutcome.js';
import { readStudyResults, readTrialMetrics, type StudyInfo } from './records.js';
import { seededRng } from './rng.js';
import { bestTrialsTable, evaluationsTable, failureTable, kurachTable, trialsAppendixTable } from './tables.js';

export const DEFAULT_BOOTSTRAP_SAMPLES = 1000;
export const DEFAULT_BOOTSTRAP_SEED = 0;
/** Per-cell budget curves are drawn only up to this many cells: beyond it the panels are too many to read. */
export const MAX_CELLS_FOR_CELL_BUDGETS = 20;
/** Step-wise losses are averaged into at most this many points per line: enough for the shape, small enough to render. */
export const MAX_CURVE_POINTS = 200;
/** The training losses drawn for each cell's best trial. */
const LOSS_KEYS = ['d_loss', 'g_loss'];

export interface StudyReportOptions {
  /** Seed of the bootstrap resampling behind the budget curves (default 0). */
  seed?: number;
  /** Bootstrap resamples per budget curve (default 1000). */
  bootstrapSamples?: number;
  /** Folder for report.md and figures/ (default: the study folder). */
  out?: string;
  /** The command line the report names as its origin (default `ganbench report <studyDir>` with the options given). */
  command?: string;
  /** Rows, columns and panels of the tables (default: defaultPivot, loss × regularizers per normalization when the study crosses them). */
  pivot?: Pivot;
}

export interface StudyReport {
  reportPath: string;
  figuresDir: string;
  figures: WrittenPlot[];
  groups: StudyGroup[];
}

interface Figure {
  name: string;
  spec: VegaLiteSpec;
}

/**
 * Writes `report.md` and `figures/*.{png,svg,vl.json}` for the study in `studyDir`. All figures are rendered into
 * a staging folder that replaces `figures/` only when every one succeeded; report.md is renamed into place after.
 */
export async function writeStudyReport(studyDir: string, options: StudyReportOptions = {}): Promise<StudyReport> {
  const seed = options.seed ?? DEFAULT_BOOTSTRAP_SEED;
  const samples = options.bootstrapSamples ?? DEFAULT_BOOTSTRAP_SAMPLES;
  seededRng(seed); // validates the seed before any work
  if (!Number.isInteger(samples) || samples < 1) throw new Error(`bootstrapSamples must be a positive integer; got ${samples}`);
  const outDir = options.out ?? studyDir;
  const { info, trials } = await readStudyResults(studyDir);
  const metric = info.params?.['evaluation.primary'];
  const goal = info.params?.['evaluation.primary.goal'];
  const groups = summarizeStudy(
    trials,
    studyPrimary(trials, metric === undefined || goal === undefined ? undefined : { metric, goal }),
    ...(options.pivot === undefined ? [] : [options.pivot]),
  );
  const settings = summarizeHyperparameters(trials);
  const command = options.command ?? defaultCommand(studyDir, options);

  const sections: string[] = [];
  const figures: Figure[] = [];
  const slugs = uniqueSlugs(groups.map((group) => `${group.dataset}-${group.architecture}${group.panel ? `-${group.panel}` : ''}`));
  const sampleImages: SampleImage[] = [];
  for (const [index, group] of groups.entries()) {
    const histories = await bestTrialHistories(studyDir, group);
    const groupFigures = groupFigureSpecs(group, slugs[index] as string, histories, seed, samples);
    groupFigures.samples = await bestTrialSamples(studyDir, group, slugs[index] as string);
    sampleImages.push(...groupFigures.samples);
    figures.push(...groupFigures.figures);
    sections.push(groupSection(group, settings, groupFigures, groups.length > 1));
  }
  const evaluations = await readEvaluations(studyDir);
  if (evaluations.length > 0) sections.push(evaluationsSection(trials, evaluations, groups[0]?.metric ?? ''));
  const markdown = [header(info, trials, groups, command, seed, samples), ...sections, appendix(trials, settings, groups[0]?.metric ?? '')].join('\n\n');

  const figuresDir = path.join(outDir, 'figures');
  const written: WrittenPlot[] = [];
  await replaceDirectory(figuresDir, async (staging) => {
    for (const figure of figures) written.push(await writePlot(staging, figure.name, figure.spec));
    for (const image of sampleImages) await copyFile(image.source, path.join(staging, image.name));
  });
  const reportPath = path.join(outDir, 'report.md');
  await writeFileAtomically(reportPath, `${markdown}\n`);
  const moved = written.map((plot) => ({
    specPath: path.join(figuresDir, path.basename(plot.specPath)),
    svgPath: path.join(figuresDir, path.basename(plot.svgPath)),
    pngPath: path.join(figuresDir, path.basename(plot.pngPath)),
  }));
  return { reportPath, figuresDir, figures: moved, groups };
}

/** The command a reader can rerun: the study folder as given (relative when inside the working directory). */
function defaultCommand(studyDir: string, options: StudyReportOptions): string {
  const shown = (dir: string) => {
    const relative = path.relative(process.cwd(), path.resolve(dir));
    return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : dir;
  };
  const parts = ['ganbench', 'report', shown(studyDir)];
  if (options.out !== undefined) parts.push('--out', shown(options.out));
  if (options.seed !== undefined && options.seed !== DEFAULT_BOOTSTRAP_SEED) parts.push('--seed', String(options.seed));
  if (options.bootstrapSamples !== undefined && options.bootstrapSamples !== DEFAULT_BOOTSTRAP_SAMPLES)
    parts.push('--bootstrap-samples', String(options.bootstrapSamples));
  if (options.pivot !== undefined)
    parts.push('--pivot', [options.pivot.rows, options.pivot.columns, ...(options.pivot.panels === null ? [] : [options.pivot.panels])].join(','));
  return parts.join(' ');
}

/** File-name stems for the groups, distinct even when two names only differ in characters a file name drops. */
function uniqueSlugs(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const slug =
      name
        .toLowerCase()
        .replaceAll(/[^a-z0-9]+/g, '-')
        .replaceAll(/^-+|-+$/g, '') || 'study';
    const count = (seen.get(slug) ?? 0) + 1;
    seen.set(slug, count);
    return count === 1 ? slug : `${slug}-${count}`;
  });
}

/** FNV-1a, so each curve's resampling stream depends only on the seed and its own name, not on the other curves. */
function curveSeed(seed: number, name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return (hash ^ seed) >>> 0;
}

async function bestTrialHistories(studyDir: string, group: StudyGroup): Promise<Map<string, MetricPoint[]>> {
  const histories = new Map<string, MetricPoint[]>();
  for (const cell of group.cells) {
    if (cell.bestTrial) histories.set(cell.bestTrial.id, await readTrialMetrics(studyDir, cell.bestTrial.id));
  }
  return histories;
}

/** A best trial's last samples (sample grid, or scatter snapshots for 2-D data), copied into figures/ so the report stands alone. */
interface SampleImage {
  cell: string;
  trial: string;
  source: string;
  name: string;
}

/** The newest sample grid a trial wrote (artifacts/samples/step-*.png), else its scatter snapshots, else null. */
async function lastSampleImage(studyDir: string, id: string): Promise<string | null> {
  const artifacts = path.join(studyDir, 'trials', id, 'artifacts');
  const grids = (await readdir(path.join(artifacts, 'samples')).catch(() => [] as string[])).filter((f) => f.endsWith('.png')).sort();
  if (grids.length > 0) return path.join(artifacts, 'samples', grids.at(-1) as string);
  const snapshots = path.join(artifacts, 'plots', 'snapshots.png');
  return existsSync(snapshots) ? snapshots : null;
}

async function bestTrialSamples(studyDir: string, group: StudyGroup, slug: string): Promise<SampleImage[]> {
  const out: SampleImage[] = [];
  for (const cell of group.cells) {
    if (!cell.bestTrial) continue;
    const source = await lastSampleImage(studyDir, cell.bestTrial.id);
    if (source === null) continue;
    const name = `samples-${slug}-${cell.loss}-${cell.regularizer}`.replaceAll(/[^A-Za-z0-9-]+/g, '-');
    out.push({ cell: `${cell.loss} · ${cell.regularizer}`, trial: cell.bestTrial.id, source, name: `${name}${path.extname(source)}` });
  }
  return out;
}

interface GroupFigures {
  figures: Figure[];
  samples?: SampleImage[];
  boxPlot?: string;
  lossBudget?: string;
  cellBudget?: string;
  trainingLosses?: string;
  trainingMetric?: string;
  /** Best trials that left no step-wise history, named in the report. */
  withoutHistory: string[];
}

function groupFigureSpecs(group: StudyGroup, slug: string, histories: Map<string, MetricPoint[]>, seed: number, samples: number): GroupFigures {
  const out: GroupFigures = { figures: [], withoutHistory: [] };
  const add = (name: string, spec: VegaLiteSpec): string => {
    out.figures.push({ name, spec });
    return name;
  };
  const where = groupTitle(group);
  const { rows: rowAxis, columns: columnAxis } = group.pivot ?? LOSS_BY_REGULARIZATION;
  const counted = group.cells.filter((cell) => cell.values.length > 0);
  if (counted.length > 0) {
    const rows = counted.flatMap((cell) => cell.values.map((value) => ({ loss: cell.loss, regularizer: cell.regularizer, value })));
    out.boxPlot = add(
      `boxplot-${slug}`,
      metricBoxPlot({
        rows,
        losses: group.losses,
        regularizers: group.regularizers,
        metric: group.metric,
        goal: group.goal,
        title: `${group.metric} per ${rowAxis} and ${columnAxis} (${where})`,
        axisTitles: { rows: rowAxis, columns: columnAxis },
      }),
    );
    const curve = (name: string, values: readonly number[]): BudgetPoint[] =>
      budgetCurve(values, group.goal, samples, seededRng(curveSeed(seed, `${slug}|${name}`)));
    const byLoss: BudgetSeries[] = group.losses.flatMap((loss) => {
      const values = counted.filter((cell) => cell.loss === loss).flatMap((cell) => cell.values);
      return values.length === 0 ? [] : [{ label: loss, points: curve(loss, values) }];
    });
    out.lossBudget = add(
      `budget-loss-${slug}`,
      budgetCurves({
        series: byLoss,
        metric: group.metric,
        goal: group.goal,
        seriesTitle: rowAxis,
        title: `Best ${group.metric} vs number of trials, per ${rowAxis} (${where})`,
      }),
    );
    if (counted.length <= MAX_CELLS_FOR_CELL_BUDGETS && counted.some((cell) => cell.values.length >= 2)) {
      const byCell = counted.map((cell) => ({ label: cell.regularizer, panel: cell.loss, points: curve(`${cell.loss}|${cell.regularizer}`, cell.values) }));
      out.cellBudget = add(
        `budget-cell-${slug}`,
        budgetCurves({
          series: byCell,
          metric: group.metric,
          goal: group.goal,
          seriesTitle: columnAxis,
          panelTitle: rowAxis,
          width: 220,
          height: 160,
          title: `Best ${group.metric} vs number of trials, per ${rowAxis} and ${columnAxis} (${where})`,
        }),
      );
    }
  }
  const lossRows: TrainingCurveRow[] = [];
  const metricRows: TrainingCurveRow[] = [];
  const divergences: { loss: string; regularizer: string; step: number }[] = [];
  for (const cell of group.cells) {
    const trial = cell.bestTrial;
    if (!trial) continue;
    const history = histories.get(trial.id) ?? [];
    if (history.length === 0) out.withoutHistory.push(trial.id);
    const at = { loss: cell.loss, regularizer: cell.regularizer };
    for (const key of LOSS_KEYS) {
      for (const point of thinSeries(
        history.filter((p) => p.key === key),
        MAX_CURVE_POINTS,
      ))
        lossRows.push({ ...at, series: key, ...point });
    }
    for (const point of history.filter((p) => p.key === group.metric && Number.isFinite(p.value)))
      metricRows.push({ ...at, series: group.metric, step: point.step, value: point.value });
    if (trial.status === 'diverged' && trial.divergedAt !== undefined) divergences.push({ ...at, step: trial.divergedAt });
  }
  const curves = { divergences, losses: group.losses, regularizers: group.regularizers, axisTitles: { rows: rowAxis, columns: columnAxis } };
  if (lossRows.length > 0) {
    out.trainingLosses = add(
      `training-losses-${slug}`,
      trainingCurves({
        ...curves,
        rows: lossRows,
        title: `D and G losses of the best trial of each cell (${where})`,
        subtitle: `means over at most ${MAX_CURVE_POINTS} buckets of steps; red dashes: divergence`,
        yTitle: 'loss',
        independentY: true,
      }),
    );
  }
  if (metricRows.length > 0) {
    out.trainingMetric = add(
      `training-metric-${slug}`,
      trainingCurves({
        ...curves,
        rows: metricRows,
        title: `${group.metric} over training, best trial of each cell (${where})`,
        subtitle: 'shared y axis; red dashes: divergence',
        yTitle: metricTitle(group.metric, group.goal),
        independentY: false,
        points: true,
      }),
    );
  }
  return out;
}

/**
 * At most `maxPoints` points: consecutive points (in step order) averaged in equal buckets, over their finite values,
 * so a 10,000-step loss history keeps its shape without 10,000 marks. A bucket with no finite value is dropped.
 */
export function thinSeries(points: readonly { step: number; value: number }[], maxPoints: number): { step: number; value: number }[] {
  if (!Number.isInteger(maxPoints) || maxPoints < 1) throw new Error(`maxPoints must be a positive integer; got ${maxPoints}`);
  const sorted = [...points].sort((a, b) => a.step - b.step);
  const size = Math.ceil(sorted.length / maxPoints);
  const out: { step: number; value: number }[] = [];
  for (let start = 0; start < sorted.length; start += size) {
    const bucket = sorted.slice(start, start + size).filter((point) => Number.isFinite(point.value));
    if (bucket.length === 0) continue;
    out.push({
      step: bucket.reduce((sum, point) => sum + point.step, 0) / bucket.length,
      value: bucket.reduce((sum, point) => sum + point.value, 0) / bucket.length,
    });
  }
  return out;
}

function header(info: StudyInfo, trials: readonly TrialRecord[], groups: readonly StudyGroup[], command: string, seed: number, samples: number): string {
  const first = groups[0];
  const statuses = (['finished', 'diverged', 'failed'] as const).map((status) => `${trials.filter((trial) => trial.status === status).length} ${status}`);
  const origin = [
    info.hash ? `hash \`${info.hash}\`` : undefined,
    info.source ? `from \`${info.source}\`` : undefined,
    info.createdAt ? `created ${info.createdAt}` : undefined,
  ].filter((part) => part !== undefined);
  const outcome = groups.flatMap((group) => mixtureOutcomeLines(group));
  const lines = [
    `# GAN study report: ${info.name}`,
    '',
    ...(outcome.length > 0 ? [...outcome, ''] : []),
    `- Study: \`${info.name}\`${origin.length > 0 ? ` (${origin.join(', ')})` : ''}`,
    first ? `- Primary metric: \`${first.metric}\`, ${first.goal === 'min' ? 'lower' : 'higher'} is better` : undefined,
    `- Trials: ${trials.length} (${statuses.join(', ')})`,
    `- Produced by: \`${command}\` (budget curves: ${samples} bootstrap resamples, seed ${seed})`,
    '',
    '## How to read this report',
    '',
    '- Each trial counts with `best[<primary metric>]` from trials.jsonl: the best value over its evaluations, as a',
    '  researcher would keep the checkpoint at its best evaluation.',
    '- A diverged trial counts with the best value it reached before diverging; one that diverged before its first',
    '  evaluation has no value. Trials without a value, and failed trials (a crash says nothing about the loss), are',
    '  left out of best / median / n and counted in the table of diverged and failed trials.',
    '- Each cell pools every hyperparameter setting and seed of its row and column (Kurach et al. 2019): by default the loss and the',
    '  regularization (regularizers and normalization); a study crossing regularizers with normalizations gets one table per normalization.',
    `- Budget curves (Lucic et al. 2018, Fig. 4): for k = 1..n, the best value among k trials drawn with replacement from`,
    `  the cell's (or loss's) trials, averaged over the resamples, with the ${BUDGET_BAND[0] * 100}–${BUDGET_BAND[1] * 100} % percentile band.`,
    '- Numbers show 4 significant digits; marks compare the numbers as shown.',
  ];
  return lines.filter((line) => line !== undefined).join('\n');
}

/** `dataset · architecture`, and `· normalization spectral` (the panel axis and value) when the tables have panels. */
function groupTitle(group: StudyGroup): string {
  const panel = group.panel === undefined || group.panel === null || !group.pivot?.panels ? '' : ` · ${group.pivot.panels} ${group.panel}`;
  return `${group.dataset} · ${group.architecture}${panel}`;
}

function groupSection(group: StudyGroup, settings: HyperparameterSummary, figures: GroupFigures, headed: boolean): string {
  const better = group.goal === 'min' ? 'lower' : 'higher';
  const level = headed ? '###' : '##';
  const parts: string[] = [];
  const { rows: rowAxis, columns: columnAxis } = group.pivot ?? LOSS_BY_REGULARIZATION;
  if (headed) parts.push(`## ${groupTitle(group)}`);
  else parts.push(`Dataset \`${group.dataset}\`, architecture \`${group.architecture}\`.`);
  parts.push(
    `${level} ${group.metric} per ${rowAxis} and ${columnAxis}`,
    kurachTable(group),
    `Each cell: best / median of \`${group.metric}\` over the cell's trials (n counted), ${better} is better. ` +
      `**Bold**: best in its column (the best ${rowAxis} for that ${columnAxis}); *italic*: best in its row (the best ${columnAxis} for that ${rowAxis}); ` +
      '***both***: both. Blank: no trial; — (0): no trial with a value.',
    `${level} Diverged and failed trials`,
    failureTable(group),
    'Each cell: diverged / failed / no value (of trials). "No value": finished or diverged without a finite value of the metric.',
    `${level} Best trial of each cell`,
    bestTrialsTable(group, settings),
  );
  const figure = (title: string, name: string | undefined, caption: string): void => {
    if (!name) return;
    parts.push(`${level} ${title}`, `![${title}](figures/${name}.png)`, `${caption} [SVG](figures/${name}.svg) · [Vega-Lite spec](figures/${name}.vl.json)`);
  };
  figure(
    'Box plots',
    figures.boxPlot,
    `\`${group.metric}\` of every counted trial per ${rowAxis} × ${columnAxis}; boxes span the quartiles, whiskers 1.5 IQR, dots are trials.`,
  );
  figure(
    `Best ${group.metric} vs number of trials, per loss`,
    figures.lossBudget,
    `Lucic-style budget curves, each ${rowAxis} pooling its ${columnAxis} (k up to its trial count).`,
  );
  figure(`Best ${group.metric} vs number of trials, per cell`, figures.cellBudget, `The same per ${rowAxis} × ${columnAxis}, one panel per ${rowAxis}.`);
  figure('Training losses of the best trials', figures.trainingLosses, 'D and G losses over generator steps of the best trial of each cell (trial ids above).');
  figure(`${group.metric} over training of the best trials`, figures.trainingMetric, `\`${group.metric}\` at each evaluation of the best trial of each cell.`);
  if (figures.withoutHistory.length > 0) parts.push(`No step-wise metrics found for: ${figures.withoutHistory.map((id) => `\`${id}\``).join(', ')}.`);
  if (figures.samples !== undefined && figures.samples.length > 0) {
    parts.push(`${level} Samples of the best trials`, "The last samples each cell's best trial wrote (its final evaluation).");
    for (const image of figures.samples) parts.push(`**${image.cell}** (\`${image.trial}\`)\n\n![${image.cell}](figures/${image.name})`);
  }
  return parts.join('\n\n');
}

function evaluationsSection(trials: readonly TrialRecord[], evaluations: readonly CheckpointEvaluation[], metric: string): string {
  return [
    '## Final checkpoints evaluated again',
    "Each finished trial's final checkpoint evaluated again by `ganbench evaluate` (evaluations.jsonl), on the sample counts shown; the tables above keep the evaluations the trials recorded while training.",
    evaluationsTable(sortTrials(trials), evaluations, metric),
  ].join('\n\n');
}

function appendix(trials: readonly TrialRecord[], settings: HyperparameterSummary, metric: string): string {
  const fixed = settings.fixed.length > 0 ? `Fixed across the study: ${formatSettings(settings.fixed)}.` : 'No setting is shared by every trial.';
  const varied =
    settings.varying.length > 0
      ? `Varied (column "settings"): ${settings.varying.join(', ')}.`
      : 'No setting besides loss, regularizers, normalization and seed varies.';
  const failures = trials.filter((trial) => trial.status === 'failed' && trial.error !== undefined);
  const errors =
    failures.length === 0
      ? []
      : [['Errors of failed trials:', ...failures.map((trial) => `- \`${trial.id}\`: ${trial.error?.split('\n')[0] ?? ''}`)].join('\n')];
  return ['## Appendix: all trials', `${fixed} ${varied}`, trialsAppendixTable(sortTrials(trials), settings, metric), ...errors].join('\n\n');
}
