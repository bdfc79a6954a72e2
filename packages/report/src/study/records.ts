/**
 * What the report reads from a study folder, through @ganbench/study-folder's schemas and codec: the
 * same TrialRecord type the sweep writes. A bad line fails with the file and line number; a torn last
 * line (a writer caught mid-append) is left out.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  formatIssues,
  latestTrialRecords,
  type MetricPoint,
  metricPointSchema,
  parseJsonLines,
  readTrialRecords,
  SAFE_ID,
  type StudyInfo,
  studyInfoSchema,
  TRIALS_FILE,
  type TrialRecord,
  trialRecordSchema,
} from '@ganbench/study-folder';

export type { StudyInfo };

export interface StudyResults {
  info: StudyInfo;
  /** One record per trial id, in file order; a later line for the same id (a retried trial) replaces the earlier one. */
  trials: TrialRecord[];
}

/** Parses trials.jsonl text, one record per trial id. */
export function parseTrialsJsonl(text: string, file: string): TrialRecord[] {
  return latestTrialRecords(parseJsonLines(text, file, trialRecordSchema).map(({ value }) => value));
}

export function parseMetricsJsonl(text: string, file: string): MetricPoint[] {
  return parseJsonLines(text, file, metricPointSchema).map(({ value }) => value);
}

/** Reads study.json (optional) and trials.jsonl (required, with at least one complete trial). */
export async function readStudyResults(studyDir: string): Promise<StudyResults> {
  const trialsFile = path.join(studyDir, TRIALS_FILE);
  if (!existsSync(trialsFile)) throw new Error(`${trialsFile} does not exist: is '${studyDir}' a study folder, and has its sweep finished a trial?`);
  const trials = latestTrialRecords(await readTrialRecords(studyDir));
  if (trials.length === 0) throw new Error(`${trialsFile} holds no complete trial yet; nothing to report`);
  return { info: await readStudyInfo(studyDir, trials), trials };
}

/** The step-wise metrics of one trial; none when its run log has no metrics.jsonl (a trial that failed at once). */
export async function readTrialMetrics(studyDir: string, id: string): Promise<MetricPoint[]> {
  if (!SAFE_ID.test(id)) throw new Error(`trial id must be a plain name; got ${show(id)}`);
  const file = path.join(studyDir, 'trials', id, 'metrics.jsonl');
  try {
    return parseMetricsJsonl(await readFile(file, 'utf8'), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function readStudyInfo(studyDir: string, trials: readonly TrialRecord[]): Promise<StudyInfo> {
  const file = path.join(studyDir, 'study.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return { name: trials[0]?.study ?? path.basename(path.resolve(studyDir)) };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const result = studyInfoSchema.safeParse(parsed);
  if (!result.success) throw new Error(`${file}: ${formatIssues(result.error).join('; ')}`);
  return result.data;
}

function show(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
