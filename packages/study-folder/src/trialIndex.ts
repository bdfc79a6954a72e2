/**
 * The index contract's table: `<study>/trials.index.json` maps array index → trial id, with the hash
 * of the study it was made from. A cluster task knows only its index (SLURM_ARRAY_TASK_ID,
 * JOB_COMPLETION_INDEX); this file is what makes "task 7" the same trial on every machine and after
 * every requeue, and what lets a task notice that the study file changed under it.
 *
 * It is written whole (a temporary file, then link or rename), so a reader sees no file, the old
 * one or the new one, never a part. The first write is exclusive (link fails on an existing name),
 * so runners starting one folder at once agree on one table; a submission of a changed study
 * replaces it (its tasks read the new file, so they agree with it).
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { SAFE_ID } from './trialRecord.js';
import { formatIssues } from './zod.js';

export const TRIAL_INDEX_FILE = 'trials.index.json';

export const trialIndexSchema = z.object({
  study: z.string().min(1),
  /** The study's content hash (sweep's studyHash) when the table was made. */
  hash: z.string().min(1),
  createdAt: z.string().min(1),
  /** trials[i] is the id of the trial that array index i runs. */
  trials: z.array(z.string().regex(SAFE_ID)),
});
export type TrialIndex = z.output<typeof trialIndexSchema>;

/** The folder's table, or null when there is none yet. */
export function readTrialIndex(studyDir: string): TrialIndex | null {
  const file = join(studyDir, TRIAL_INDEX_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = trialIndexSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) throw new Error(`${file}: ${formatIssues(parsed.error).join('; ')}`);
  return parsed.data;
}

const sameTable = (a: TrialIndex, b: { hash: string; trials: readonly string[] }) =>
  a.hash === b.hash && a.trials.length === b.trials.length && a.trials.every((id, i) => id === b.trials[i]);

/**
 * Records the table for a study being run or submitted. Kept when the folder already holds the same
 * one (same hash, same order); `replace` (a sweep or a submission: the user's study is authoritative)
 * overwrites a different one, else a different one is an error naming both hashes.
 */
export function recordTrialIndex(
  studyDir: string,
  table: { study: string; hash: string; trials: readonly string[] },
  options: { replace?: boolean } = {},
): { index: TrialIndex; written: boolean } {
  mkdirSync(studyDir, { recursive: true });
  const file = join(studyDir, TRIAL_INDEX_FILE);
  const index: TrialIndex = { study: table.study, hash: table.hash, createdAt: new Date().toISOString(), trials: [...table.trials] };
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  // Two tries: a first writer may win the exclusive link between our read and our link.
  for (let attempt = 0; attempt < 2; attempt++) {
    const existing = readTrialIndex(studyDir);
    if (existing !== null && sameTable(existing, table)) return { index: existing, written: false };
    if (existing !== null && options.replace !== true)
      throw new Error(
        `${file} was made from study hash ${existing.hash}, this study's hash is ${table.hash}: the study changed since it was submitted; submit it again (ganbench sweep FILE) to renumber its trials`,
      );
    writeFileSync(tmp, `${JSON.stringify(index, null, 2)}\n`);
    try {
      if (existing !== null) {
        renameSync(tmp, file);
        return { index, written: true };
      }
      try {
        linkSync(tmp, file);
        return { index, written: true };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    } finally {
      try {
        unlinkSync(tmp);
      } catch {
        // Renamed away: nothing left to remove.
      }
    }
  }
  throw new Error(`${file}: another runner keeps writing a different table; is the study being submitted from two places at once?`);
}
