/** The local run log of one trial (`trials/<id>/`), written before anything goes to MLflow. */

/** What `run.json` may say; SCHEDULED is MLflow's but never a local state. */
export type LocalRunStatus = 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';

export const LOCAL_RUN_STATUSES: readonly LocalRunStatus[] = ['RUNNING', 'FINISHED', 'FAILED', 'KILLED'];

/** `trials/<id>/run.json`, rewritten atomically on every change. */
export interface RunJson {
  name: string;
  status: LocalRunStatus;
  /** Milliseconds since the epoch. */
  startTime: number;
  endTime: number | null;
  params: Record<string, string>;
  tags: Record<string, string>;
}

/** `study.json`, written by the sweep when a study starts; the MLflow parent run is made from it. */
export interface StudyLog {
  name: string;
  /** Hash of the study definition (tag ganbench.studyHash); it changes when the study file is edited. */
  hash: string;
  /**
   * This results folder's identity in MLflow (tag ganbench.executionId): random, written once when
   * the folder is made and kept by every later run into it, so the parent run is this folder's
   * own — another folder, or the same study on another machine, gets another parent.
   */
  executionId: string;
  /** Path of the study's YAML. */
  source: string;
  /** ISO 8601. */
  createdAt: string;
  tags: Record<string, string>;
  params: Record<string, string>;
}

export type ParamInput = string | number | boolean;

export const RUN_JSON = 'run.json';
export const METRICS_JSONL = 'metrics.jsonl';
export const ARTIFACTS_DIR = 'artifacts';
export const STUDY_JSON = 'study.json';
export const TRIALS_DIR = 'trials';
