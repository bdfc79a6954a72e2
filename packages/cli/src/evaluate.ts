import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { latestTrialRecords, readTrialRecords } from '@ganbench/study-folder';
import { TRIALS_DIR } from '@ganbench/sweep';
import { ARTIFACTS_DIR } from '@ganbench/tracking';
import { evaluateCheckpoint, trialName } from '@ganbench/train';
import { initBackendFromFlags, type ParsedFlags, UsageError } from './args.js';
import { loadPlugins, pluginList } from './plugins.js';

type Out = (line: string) => void;

/** DIR/evaluations.jsonl: one line per finished trial and sample count, its final checkpoint evaluated again. */
export const EVALUATIONS_FILE = 'evaluations.jsonl';

export interface CheckpointEvaluation {
  id: string;
  label: string;
  /** The generator step of the checkpoint (the trial's last). */
  step: number;
  samples: number;
  metrics: Record<string, number>;
}

async function readEvaluations(file: string): Promise<CheckpointEvaluation[]> {
  if (!existsSync(file)) return [];
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as CheckpointEvaluation);
}

/**
 * `ganbench evaluate DIR [--samples N]`: every finished trial's final checkpoint evaluated again with its study's
 * metrics on N samples, drawn as its evaluations drew them, into DIR/evaluations.jsonl (rewritten whole after each
 * trial, so a kill leaves the previous file); a trial already evaluated on N samples is skipped.
 */
export async function evaluateCommand(flags: ParsedFlags, positional: string[], out: Out): Promise<void> {
  const dir = positional[0];
  if (dir === undefined) throw new UsageError('evaluate: needs a study results folder, e.g. ganbench evaluate results/reference/lucic-fashion-mnist');
  if (!existsSync(dir)) throw new UsageError(`evaluate: '${dir}' does not exist; give a study results folder`);
  const samples = flags.samples as number | undefined;
  if (samples !== undefined && samples < 4)
    throw new UsageError(`--samples: '${samples}' is not allowed; use an integer ≥ 4 (precision and recall need k + 1 = 4)`);
  await loadPlugins(pluginList(flags.plugin));
  await initBackendFromFlags(flags);
  const file = path.join(dir, EVALUATIONS_FILE);
  const evaluations = await readEvaluations(file);
  const finished = latestTrialRecords(await readTrialRecords(dir)).filter((r) => r.status === 'finished');
  if (finished.length === 0) out(`evaluate: no finished trial in ${dir}`);
  for (const record of finished) {
    const n = samples ?? record.config.evaluation.samples;
    const label = trialName(record.config);
    const done = evaluations.find((e) => e.id === record.id && e.samples === n);
    if (done === undefined) {
      const checkpoint = path.join(dir, TRIALS_DIR, record.id, ARTIFACTS_DIR, 'checkpoint', 'final.safetensors');
      const metrics = await evaluateCheckpoint(record.config, checkpoint, n);
      evaluations.push({ id: record.id, label, step: record.steps, samples: n, metrics });
      const tmp = `${file}.tmp-${process.pid}`;
      await writeFile(tmp, evaluations.map((e) => `${JSON.stringify(e)}\n`).join(''));
      await rename(tmp, file);
    }
    const metrics = (done ?? (evaluations[evaluations.length - 1] as CheckpointEvaluation)).metrics;
    const shown = Object.entries(metrics).map(([k, v]) => `${k} ${Number(v.toPrecision(4))}`);
    out(`${record.id}  ${label}, step ${record.steps}, ${n} samples${done === undefined ? '' : ' (recorded)'}: ${shown.join(', ')}`);
  }
}
