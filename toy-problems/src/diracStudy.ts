import { formatIssues, strictObject } from '@ganbench/study-folder';
import { parse } from 'yaml';
import { z } from 'zod';
import { DIRAC_DEFAULTS, type DiracConfig, diracConfigSchema, diracGame, runDirac } from './dirac.js';
import { type DiracEigenvalues, diracEigenvalues } from './diracJacobian.js';

/** A run counts as converged when it ends this close to the equilibrium (0, 0). */
export const CONVERGED_DISTANCE = 1e-2;

/** One row of the study (a loss, regularizer and optimizer) under one column (a way of stepping). */
export interface DiracStudyRun {
  row: string;
  column: string;
  /** File-name-safe id: row and column slugs. */
  id: string;
  config: DiracConfig;
}

export interface DiracStudy {
  title: string;
  rows: string[];
  columns: string[];
  runs: DiracStudyRun[];
}

export interface DiracStudyResult extends DiracStudyRun, DiracEigenvalues {
  trajectory: [number, number][];
  final_distance: number;
  converged: boolean;
}

/** A study's defaults, rows and columns give any of DiracConfig's fields, in the study dialect of every study file. */
const settingsSchema = diracConfigSchema.partial();
const entrySchema = strictObject({ name: z.string().min(1), ...settingsSchema.shape });

const studySchema = strictObject({
  title: z.string().min(1).default('Dirac-GAN study'),
  defaults: settingsSchema.default({}),
  rows: z.array(entrySchema).min(1),
  columns: z.array(entrySchema).min(1),
});

export const slug = (name: string) =>
  name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-|-$/g, '');

/**
 * A study file: `defaults` for every run, `rows` (loss, regularizer, optimizer) and `columns`
 * (mode and discriminator steps); each run is a row under a column. Every run's configuration is
 * checked here, so a bad entry fails before the first run starts.
 */
export function parseDiracStudy(text: string, source: string): DiracStudy {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new Error(`${source}: not valid YAML: ${(error as Error).message}`);
  }
  const parsed = studySchema.safeParse(document, { reportInput: true });
  if (!parsed.success) throw new Error(`${source}: ${formatIssues(parsed.error).join('; ')}`);
  const { title, defaults, rows, columns } = parsed.data;
  const runs: DiracStudyRun[] = [];
  for (const row of rows) {
    for (const column of columns) {
      const { name: _row, ...rowSettings } = row;
      const { name: _column, ...columnSettings } = column;
      const config: DiracConfig = { ...DIRAC_DEFAULTS, ...defaults, ...rowSettings, ...columnSettings };
      try {
        diracGame(config);
      } catch (error) {
        throw new Error(`${source}: row '${row.name}' under column '${column.name}': ${(error as Error).message}`);
      }
      runs.push({ row: row.name, column: column.name, id: `${slug(row.name)}__${slug(column.name)}`, config });
    }
  }
  return { title, rows: rows.map((r) => r.name), columns: columns.map((c) => c.name), runs };
}

export function runDiracStudy(study: DiracStudy, onRun?: (result: DiracStudyResult, index: number) => void): DiracStudyResult[] {
  return study.runs.map((run, index) => {
    const { trajectory, final_distance } = runDirac(run.config);
    const result: DiracStudyResult = { ...run, ...diracEigenvalues(run.config), trajectory, final_distance, converged: final_distance < CONVERGED_DISTANCE };
    onRun?.(result, index);
    return result;
  });
}
