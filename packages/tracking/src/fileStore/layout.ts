/**
 * MLflow's file store layout (mlflow/store/tracking/file_store.py):
 *
 *   <root>/<experiment_id>/meta.yaml                    experiment
 *   <root>/<experiment_id>/<run_id>/meta.yaml           run info, status as an integer
 *   <root>/<experiment_id>/<run_id>/metrics/<key>       lines `<timestamp_ms> <value> <step>`
 *   <root>/<experiment_id>/<run_id>/params/<key>        the value, no newline
 *   <root>/<experiment_id>/<run_id>/tags/<key>          the value, no newline
 *   <root>/<experiment_id>/<run_id>/artifacts/          artifact root of the run
 *   <root>/.trash/                                      deleted experiments
 *
 * Keys with '/' are nested folders, exactly as MLflow's os.path.join makes them.
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RUN_STATUS_CODES, type RunInfo } from '../types.js';
import type { MetaValue } from './pyYaml.js';

export const META_FILE = 'meta.yaml';
export const TRASH_FOLDER = '.trash';
export const DEFAULT_EXPERIMENT_ID = '0';
export const DEFAULT_EXPERIMENT_NAME = 'Default';
/** Folders inside an experiment folder that are not runs. */
export const RESERVED_EXPERIMENT_FOLDERS: ReadonlySet<string> = new Set(['tags', 'datasets', 'traces']);
/** mlflow.entities.SourceType.LOCAL, which the file store writes for every run. */
export const SOURCE_TYPE_LOCAL = 4;

export type RunResource = 'metrics' | 'params' | 'tags';

export function experimentDir(root: string, experimentId: string): string {
  return join(root, experimentId);
}

export function runDir(root: string, experimentId: string, runId: string): string {
  return join(root, experimentId, runId);
}

export function resourcePath(dir: string, resource: RunResource, key: string): string {
  return join(dir, resource, ...key.split('/'));
}

/** pathlib's as_uri(): what MLflow stores as artifact locations. */
export function localFileUri(absPath: string): string {
  return pathToFileURL(absPath).href;
}

/**
 * mlflow.utils.name_utils._generate_unique_integer_id: an 18-digit integer without leading zeros,
 * written as a string.
 */
export function newExperimentId(): string {
  const raw = BigInt(`0x${randomBytes(16).toString('hex')}`)
    .toString()
    .slice(-18);
  const digits = raw.replace(/^0+/, '');
  const filler = Array.from({ length: 18 - digits.length }, () => String(randomInt(1, 10))).join('');
  return `${digits}${filler}`;
}

/** uuid4().hex, the run ids MLflow generates. */
export function newRunId(): string {
  return randomUUID().replaceAll('-', '');
}

export interface ExperimentMeta {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: 'active' | 'deleted';
  creationTime: number;
  lastUpdateTime: number;
}

/** dict(Experiment) without tags, as FileStore._create_experiment_with_id writes it. */
export function experimentMetaDict(e: ExperimentMeta): Record<string, MetaValue> {
  return {
    artifact_location: e.artifactLocation,
    creation_time: e.creationTime,
    experiment_id: e.experimentId,
    last_update_time: e.lastUpdateTime,
    lifecycle_stage: e.lifecycleStage,
    name: e.name,
  };
}

/**
 * _make_persisted_run_info_dict: RunInfo's fields, status as an integer, the legacy source fields
 * and an empty tag list; `deleted_time` only in the meta written by create_run (null) and by
 * delete_run (the time), as MLflow does.
 */
export function runMetaDict(info: RunInfo, options: { withDeletedTime: boolean; deletedTime?: number }): Record<string, MetaValue> {
  const dict: Record<string, MetaValue> = {
    artifact_uri: info.artifactUri,
    end_time: info.endTime,
    entry_point_name: '',
    experiment_id: info.experimentId,
    lifecycle_stage: info.lifecycleStage,
    run_id: info.runId,
    run_name: info.runName,
    run_uuid: info.runId,
    source_name: '',
    source_type: SOURCE_TYPE_LOCAL,
    source_version: '',
    start_time: info.startTime,
    status: RUN_STATUS_CODES[info.status],
    tags: [],
    user_id: info.userId,
  };
  if (options.deletedTime !== undefined) dict.deleted_time = options.deletedTime;
  else if (options.withDeletedTime) dict.deleted_time = null;
  return dict;
}
