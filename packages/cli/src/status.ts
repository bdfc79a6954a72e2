import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import {
  type ClusterJob,
  inspectLease,
  latestTrialRecords,
  readClusterJobs,
  readTrialIndex,
  readTrialRecords,
  TRIAL_STATES,
  type TrialState,
  trialState,
} from '@ganbench/study-folder';
import { TRIALS_DIR } from '@ganbench/sweep';
import { trialName } from '@ganbench/train';
import { type ParsedFlags, UsageError } from './args.js';
import { arrayRanges } from './slurm.js';

type Out = (line: string) => void;

export interface TrialStatusLine {
  /** Its array index (trials.index.json); null for a trial of a folder from before index tables. */
  index: number | null;
  id: string;
  state: TrialState;
  /** loss + regularizer (seed), when a record names it. */
  label?: string;
  /** running: the holder of its lease and since when. */
  host?: string;
  pid?: number;
  since?: string;
  error?: string;
  divergedAt?: number;
  steps?: number;
  seconds?: number;
}

export interface StudyStatus {
  dir: string;
  study: string | null;
  hash: string | null;
  counts: Record<TrialState, number>;
  trials: TrialStatusLine[];
  jobs: ClusterJob[];
}

/** Every trial's state, read from the folder alone (records, leases, index table, jobs.jsonl): the same for every executor. */
export async function studyStatus(dir: string): Promise<StudyStatus> {
  const table = readTrialIndex(dir);
  const records = new Map(latestTrialRecords(await readTrialRecords(dir)).map((r) => [r.id, r]));
  const trialsDir = path.join(dir, TRIALS_DIR);
  // A folder without a table (run before index tables): the trials it has records or folders of.
  const ids = table?.trials ?? [...new Set([...records.keys(), ...(existsSync(trialsDir) ? readdirSync(trialsDir) : [])])].sort();
  const counts = Object.fromEntries(TRIAL_STATES.map((s) => [s, 0])) as Record<TrialState, number>;
  const trials = ids.map((id, i): TrialStatusLine => {
    const record = records.get(id);
    const lease = inspectLease(path.join(trialsDir, id));
    const state = trialState(record, lease);
    counts[state]++;
    const line: TrialStatusLine = { index: table === null ? null : i, id, state };
    if (record !== undefined) {
      line.label = trialName(record.config);
      line.steps = record.steps;
      line.seconds = record.seconds;
      if (record.status === 'failed' && record.error !== undefined) line.error = record.error;
      if (record.divergedAt !== undefined) line.divergedAt = record.divergedAt;
    }
    if (lease.state === 'live' && lease.holder !== null) {
      line.host = lease.holder.host;
      line.pid = lease.holder.pid;
      line.since = lease.holder.acquiredAt;
    }
    return line;
  });
  return { dir, study: table?.study ?? null, hash: table?.hash ?? null, counts, trials, jobs: await readClusterJobs(dir) };
}

/** `ganbench status DIR [--json]`. */
export async function statusCommand(flags: ParsedFlags, positional: string[], out: Out): Promise<void> {
  const dir = positional[0];
  if (dir === undefined) throw new UsageError('status: needs a study results folder, e.g. ganbench status results/quick');
  if (!existsSync(dir)) throw new UsageError(`status: '${dir}' does not exist; give a study results folder, e.g. results/quick`);
  const status = await studyStatus(dir);
  if (flags.json) return out(JSON.stringify(status));
  out(`study ${status.study ?? path.basename(dir)}${status.hash === null ? '' : ` (hash ${status.hash})`}: ${status.trials.length} trials`);
  const shown = TRIAL_STATES.filter((s) => status.counts[s] > 0).map((s) => `${status.counts[s]} ${s}`);
  out(`  ${shown.join(', ') || 'no trials yet'}`);
  for (const t of status.trials) {
    const head = `  ${t.index === null ? '' : `${String(t.index).padStart(3)} `}${t.id}  ${t.state.padEnd(11)}`;
    let detail = t.label ?? '';
    // A lease found between its creation and its first write has no holder to name yet.
    if (t.state === 'running') detail = t.host === undefined ? 'by a runner whose lease is being written' : `on ${t.host} pid ${t.pid} since ${t.since}`;
    if (t.state === 'failed' && t.error !== undefined) detail += `: ${t.error.split('\n')[0]}`;
    if (t.state === 'diverged' && t.divergedAt !== undefined) detail += `, diverged at step ${t.divergedAt}`;
    else if ((t.state === 'finished' || t.state === 'diverged') && t.steps !== undefined) detail += `, ${t.steps} steps in ${(t.seconds ?? 0).toFixed(1)} s`;
    out(`${head} ${detail}`.trimEnd());
  }
  for (const job of status.jobs) {
    const what = job.role === 'trials' ? `trials ${arrayRanges(job.indices)}` : 'report';
    out(`  ${job.scheduler} job ${job.jobId}: ${what}, submitted ${job.submittedAt}`);
  }
}
