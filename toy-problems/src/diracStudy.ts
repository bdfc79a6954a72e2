import { parse } from 'yaml';
import { DIRAC_DEFAULTS, type DiracConfig, diracGame, runDirac } from './dirac.js';
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

/** YAML keys and the config fields they set; shared by a study's defaults, rows and columns. */
const KEYS = {
  loss: 'loss',
  loss_params: 'lossParams',
  reg: 'reg',
  reg_params: 'regParams',
  optimizer: 'optimizer',
  consensus_gamma: 'consensusGamma',
  mode: 'mode',
  d_steps: 'dSteps',
  lr: 'lr',
  steps: 'steps',
  init: 'init',
  seed: 'seed',
  noise_samples: 'noiseSamples',
} as const satisfies Record<string, keyof DiracConfig>;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
export const slug = (name: string) =>
  name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-|-$/g, '');

function overrides(value: unknown, where: string, extra: readonly string[]): Partial<DiracConfig> {
  if (!isRecord(value)) throw new Error(`${where}: must be a mapping of ${Object.keys(KEYS).join(', ')}`);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (extra.includes(key)) continue;
    if (!(key in KEYS)) throw new Error(`${where}.${key}: unknown key; allowed: ${[...extra, ...Object.keys(KEYS)].join(', ')}`);
    out[KEYS[key as keyof typeof KEYS]] = v;
  }
  return out as Partial<DiracConfig>;
}

function namedList(study: Record<string, unknown>, field: 'rows' | 'columns'): { name: string; config: Partial<DiracConfig> }[] {
  const list = study[field];
  if (!Array.isArray(list) || list.length === 0) throw new Error(`${field}: must be a non-empty list of mappings, each with a name`);
  return list.map((entry, i) => {
    const where = `${field}[${i}]`;
    if (!isRecord(entry) || typeof entry.name !== 'string' || entry.name === '') throw new Error(`${where}.name: must be a non-empty string`);
    return { name: entry.name, config: overrides(entry, `${where} (${entry.name})`, ['name']) };
  });
}

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
  if (!isRecord(document)) throw new Error(`${source}: must be a mapping with title, defaults, rows and columns`);
  for (const key of Object.keys(document))
    if (!['title', 'defaults', 'rows', 'columns'].includes(key)) throw new Error(`${source}: ${key}: unknown key; allowed: title, defaults, rows, columns`);
  const defaults = document.defaults === undefined ? {} : overrides(document.defaults, `${source}: defaults`, []);
  const rows = namedList(document, 'rows');
  const columns = namedList(document, 'columns');
  const runs: DiracStudyRun[] = [];
  for (const row of rows) {
    for (const column of columns) {
      const config: DiracConfig = { ...DIRAC_DEFAULTS, ...defaults, ...row.config, ...column.config };
      if (Array.isArray(config.init)) config.init = config.init.map(Number) as [number, number];
      try {
        diracGame(config);
      } catch (error) {
        throw new Error(`${source}: row '${row.name}' under column '${column.name}': ${(error as Error).message}`);
      }
      runs.push({ row: row.name, column: column.name, id: `${slug(row.name)}__${slug(column.name)}`, config });
    }
  }
  const title = typeof document.title === 'string' ? document.title : 'Dirac-GAN study';
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
