import { join } from 'node:path';
import { appendJsonLine, readJsonLines } from './jsonl.js';
import { type TrialRecord, trialRecordSchema } from './trialRecord.js';

export const TRIALS_FILE = 'trials.jsonl';

/** Every record of `<studyDir>/trials.jsonl` in the order written (a trial run again has several); none when the file is absent. */
export function readTrialRecords(studyDir: string): Promise<TrialRecord[]> {
  return readJsonLines(join(studyDir, TRIALS_FILE), trialRecordSchema);
}

/** One record per trial: a later line for the same id (a retried or resumed trial) replaces the earlier one. */
export function latestTrialRecords(records: readonly TrialRecord[]): TrialRecord[] {
  const byId = new Map<string, TrialRecord>();
  for (const record of records) {
    byId.delete(record.id);
    byId.set(record.id, record);
  }
  return [...byId.values()];
}

/** Appends one record to `<studyDir>/trials.jsonl`. Only one process (the sweep's parent) writes a study's trials.jsonl. */
export function appendTrialRecord(studyDir: string, record: TrialRecord): void {
  appendJsonLine(join(studyDir, TRIALS_FILE), record);
}
