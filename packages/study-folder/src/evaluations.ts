import { join } from 'node:path';
import { z } from 'zod';
import { appendJsonLine, readJsonLines } from './jsonl.js';
import { metricMapSchema, trialIdSchema } from './trialRecord.js';
import { strictObject } from './zod.js';

/** `<studyDir>/evaluations.jsonl`: finished trials' final checkpoints evaluated again (`ganbench evaluate`). */
export const EVALUATIONS_FILE = 'evaluations.jsonl';

export const checkpointEvaluationSchema = strictObject({
  id: trialIdSchema,
  /** The generator step of the checkpoint: the trial's last. */
  step: z.number().int().nonnegative(),
  /** Generated (and real) samples the metrics compared. */
  samples: z.number().int().positive(),
  metrics: metricMapSchema,
});
export type CheckpointEvaluation = z.output<typeof checkpointEvaluationSchema>;

/** Every evaluation recorded in the folder, in the order written; none when the file is absent. */
export function readEvaluations(studyDir: string): Promise<CheckpointEvaluation[]> {
  return readJsonLines(join(studyDir, EVALUATIONS_FILE), checkpointEvaluationSchema);
}

/** Appends one evaluation: one line in one O_APPEND write, as trials.jsonl's records are. */
export function appendEvaluation(studyDir: string, evaluation: CheckpointEvaluation): void {
  appendJsonLine(join(studyDir, EVALUATIONS_FILE), evaluation);
}
