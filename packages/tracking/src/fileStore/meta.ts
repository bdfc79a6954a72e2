import { MlflowError } from '../errors.js';
import { RUN_STATUS_CODES, RUN_STATUSES, type RunInfo, type RunStatus } from '../types.js';
import type { ExperimentMeta } from './layout.js';

function str(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

function intOrNull(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function stage(v: unknown): 'active' | 'deleted' {
  return v === 'deleted' ? 'deleted' : 'active';
}

/** _read_persisted_experiment_dict: legacy integer ids become strings. */
export function parseExperimentMeta(data: Record<string, unknown>, where: string): ExperimentMeta {
  if (data.experiment_id === undefined || data.name === undefined) {
    throw new MlflowError('INVALID_STATE', `${where}: experiment meta.yaml lacks experiment_id or name`);
  }
  return {
    experimentId: str(data.experiment_id),
    name: str(data.name),
    artifactLocation: str(data.artifact_location),
    lifecycleStage: stage(data.lifecycle_stage),
    creationTime: intOrNull(data.creation_time) ?? 0,
    lastUpdateTime: intOrNull(data.last_update_time) ?? 0,
  };
}

function statusFromCode(code: unknown): RunStatus {
  if (code === undefined || code === null) return 'RUNNING';
  const found = RUN_STATUSES.find((s) => RUN_STATUS_CODES[s] === Number(code));
  if (found === undefined) throw new MlflowError('INVALID_STATE', `unknown run status code ${String(code)} in meta.yaml`);
  return found;
}

/** _read_persisted_run_info_dict: integer status → name, missing lifecycle → active. */
export function parseRunMeta(data: Record<string, unknown>, where: string): RunInfo {
  const runId = str(data.run_id ?? data.run_uuid);
  if (runId === '' || data.experiment_id === undefined) {
    throw new MlflowError('INVALID_STATE', `${where}: run meta.yaml lacks run_id or experiment_id`);
  }
  return {
    runId,
    runName: str(data.run_name),
    experimentId: str(data.experiment_id),
    userId: str(data.user_id),
    status: statusFromCode(data.status),
    startTime: intOrNull(data.start_time),
    endTime: intOrNull(data.end_time),
    artifactUri: str(data.artifact_uri),
    lifecycleStage: stage(data.lifecycle_stage),
  };
}
