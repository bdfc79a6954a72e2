import { existsSync } from 'node:fs';
import path from 'node:path';
import { appendEvaluation, EVALUATIONS_FILE, latestTrialRecords, readEvaluations, readTrialRecords } from '@ganbench/study-folder';
import { TRIALS_DIR } from '@ganbench/sweep';
import { ARTIFACTS_DIR } from '@ganbench/tracking';
import { evaluateCheckpoint, trialName } from '@ganbench/train';
import { initBackendFromFlags, type ParsedFlags, UsageError } from './args.js';
import { loadPlugins, pluginList } from './plugins.js';

type Out = (line: string) => void;

/**
 * `ganbench evaluate DIR [--samples N]`: every finished trial's final checkpoint evaluated again with its study's
 * metrics on N samples, drawn as its evaluations drew them, appended to DIR/evaluations.jsonl; a trial already
 * evaluated on N samples is skipped.
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
  const recorded = await readEvaluations(dir);
  const finished = latestTrialRecords(await readTrialRecords(dir)).filter((r) => r.status === 'finished');
  if (finished.length === 0) out(`evaluate: no finished trial in ${dir}`);
  for (const record of finished) {
    const n = samples ?? record.config.evaluation.samples;
    let evaluation = recorded.find((e) => e.id === record.id && e.samples === n);
    const before = evaluation !== undefined;
    if (evaluation === undefined) {
      const checkpoint = path.join(dir, TRIALS_DIR, record.id, ARTIFACTS_DIR, 'checkpoint', 'final.safetensors');
      evaluation = { id: record.id, step: record.steps, samples: n, metrics: await evaluateCheckpoint(record.config, checkpoint, n) };
      appendEvaluation(dir, evaluation);
    }
    const shown = Object.entries(evaluation.metrics).map(([k, v]) => `${k} ${Number(v.toPrecision(4))}`);
    out(`${record.id}  ${trialName(record.config)}, step ${evaluation.step}, ${n} samples${before ? ' (recorded)' : ''}: ${shown.join(', ')}`);
  }
  out(`${path.join(dir, EVALUATIONS_FILE)}: ${finished.length} trials on ${samples ?? 'their evaluation.samples'} samples`);
}
