/**
 * The cluster jobs a study was submitted as (`<study>/cluster/jobs.jsonl`, one line per submission):
 * `ganbench status` shows them, and a later submission asks the scheduler which of their tasks are
 * still queued or running so that it submits only what is missing.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { appendJsonLine, readJsonLines } from './jsonl.js';

/** The folder of scheduler files: batch scripts, manifests, task logs, jobs.jsonl. */
export const CLUSTER_DIR = 'cluster';
export const CLUSTER_JOBS_FILE = 'jobs.jsonl';

export const clusterJobSchema = z.object({
  scheduler: z.enum(['slurm', 'kubernetes']),
  /** trials: the array of trial tasks; report: the job that writes the report after them. */
  role: z.enum(['trials', 'report']),
  jobId: z.string().min(1),
  /** The array indices (trial indices of trials.index.json) the job covers. */
  indices: z.array(z.int().min(0)),
  submittedAt: z.string().min(1),
  /** The study hash the job was submitted with. */
  hash: z.string().min(1),
});
export type ClusterJob = z.output<typeof clusterJobSchema>;

export function appendClusterJob(studyDir: string, job: ClusterJob): void {
  appendJsonLine(join(studyDir, CLUSTER_DIR, CLUSTER_JOBS_FILE), job);
}

export function readClusterJobs(studyDir: string): Promise<ClusterJob[]> {
  return readJsonLines(join(studyDir, CLUSTER_DIR, CLUSTER_JOBS_FILE), clusterJobSchema);
}
