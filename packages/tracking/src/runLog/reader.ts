import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isNotFound, listDirs, listFilesRecursive } from '../fileStore/files.js';
import type { Metric } from '../types.js';
import { parseMetricsJsonl } from './metricsJsonl.js';
import { ARTIFACTS_DIR, LOCAL_RUN_STATUSES, type LocalRunStatus, METRICS_JSONL, RUN_JSON, type RunJson, TRIALS_DIR } from './types.js';

function stringRecord(value: unknown, field: string, where: string): Record<string, string> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where}: "${field}" must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new Error(`${where}: "${field}.${k}" must be a string, got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  return out;
}

/** Validates a parsed run.json; every failure names the file, the field, the value and what is allowed. */
export function parseRunJson(data: unknown, where: string): RunJson {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new Error(`${where}: expected a JSON object`);
  const o = data as Record<string, unknown>;
  if (typeof o.name !== 'string' || o.name === '') throw new Error(`${where}: "name" must be a non-empty string, got ${JSON.stringify(o.name)}`);
  if (!LOCAL_RUN_STATUSES.includes(o.status as LocalRunStatus)) {
    throw new Error(`${where}: "status" is ${JSON.stringify(o.status)}; allowed: ${LOCAL_RUN_STATUSES.join(', ')}`);
  }
  if (!Number.isSafeInteger(o.startTime)) throw new Error(`${where}: "startTime" must be milliseconds since the epoch, got ${JSON.stringify(o.startTime)}`);
  if (o.endTime !== null && o.endTime !== undefined && !Number.isSafeInteger(o.endTime)) {
    throw new Error(`${where}: "endTime" must be milliseconds since the epoch or null, got ${JSON.stringify(o.endTime)}`);
  }
  return {
    name: o.name,
    status: o.status as LocalRunStatus,
    startTime: o.startTime as number,
    endTime: (o.endTime as number | null | undefined) ?? null,
    params: stringRecord(o.params, 'params', where),
    tags: stringRecord(o.tags, 'tags', where),
  };
}

/** A JSON file's value; ENOENT passes through so callers can tell "nothing here". */
export async function readJsonFile(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
}

/** Reads trials/<id>/run.json; ENOENT passes through so callers can tell "no run here". */
export async function readRunJson(dir: string): Promise<RunJson> {
  const path = join(dir, RUN_JSON);
  return parseRunJson(await readJsonFile(path), path);
}

/** Every complete metric line of a run log; [] when it logged none. */
export async function readMetrics(dir: string): Promise<Metric[]> {
  const path = join(dir, METRICS_JSONL);
  try {
    return parseMetricsJsonl(await readFile(path, 'utf8'), path).metrics;
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

export interface RunLogData {
  dir: string;
  run: RunJson;
  metrics: Metric[];
  /** Relative POSIX paths of the files under artifacts/. */
  artifacts: string[];
}

export async function readRunLog(dir: string): Promise<RunLogData> {
  return { dir, run: await readRunJson(dir), metrics: await readMetrics(dir), artifacts: await listFilesRecursive(join(dir, ARTIFACTS_DIR)) };
}

/** Ids of the trial folders under <study>/trials that hold a run.json, sorted. */
export async function listTrialIds(studyDir: string): Promise<string[]> {
  const ids: string[] = [];
  for (const id of await listDirs(join(studyDir, TRIALS_DIR))) {
    try {
      await readFile(join(studyDir, TRIALS_DIR, id, RUN_JSON));
      ids.push(id);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return ids.sort();
}
