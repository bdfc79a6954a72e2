import { join } from 'node:path';
import { writeFileAtomic } from '../atomic.js';
import { isNotFound } from '../fileStore/files.js';
import { readJsonFile } from './reader.js';
import { type ParamInput, STUDY_JSON, type StudyLog } from './types.js';

export interface StudyLogInit {
  name: string;
  hash: string;
  source: string;
  tags?: Record<string, string>;
  params?: Record<string, ParamInput>;
  /** ISO 8601; kept from an existing study.json with the same hash, else now. */
  createdAt?: string;
}

function requireString(o: Record<string, unknown>, field: string, where: string): string {
  const v = o[field];
  if (typeof v !== 'string' || v === '') throw new Error(`${where}: "${field}" must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

function stringMap(value: unknown, field: string, where: string): Record<string, string> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where}: "${field}" must be an object`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new Error(`${where}: "${field}.${k}" must be a string, number or boolean, got ${JSON.stringify(v)}`);
    }
    out[k] = String(v);
  }
  return out;
}

export function parseStudyLog(data: unknown, where: string): StudyLog {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new Error(`${where}: expected a JSON object`);
  const o = data as Record<string, unknown>;
  const name = requireString(o, 'name', where);
  const hash = requireString(o, 'hash', where);
  const source = requireString(o, 'source', where);
  const createdAt = requireString(o, 'createdAt', where);
  if (Number.isNaN(Date.parse(createdAt))) throw new Error(`${where}: "createdAt" must be an ISO 8601 date, got ${JSON.stringify(createdAt)}`);
  return {
    name,
    hash,
    source,
    createdAt,
    tags: stringMap(o.tags, 'tags', where),
    params: stringMap(o.params, 'params', where),
  };
}

/** Reads <study>/study.json; ENOENT passes through. */
export async function readStudyLog(studyDir: string): Promise<StudyLog> {
  const path = join(studyDir, STUDY_JSON);
  return parseStudyLog(await readJsonFile(path), path);
}

/** Writes <study>/study.json atomically. A rerun of the same study (same hash) keeps the first createdAt. */
export async function writeStudyLog(studyDir: string, init: StudyLogInit): Promise<StudyLog> {
  const where = join(studyDir, STUDY_JSON);
  let createdAt = init.createdAt;
  if (createdAt === undefined) {
    try {
      const previous = await readStudyLog(studyDir);
      if (previous.hash === init.hash) createdAt = previous.createdAt;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  const study = parseStudyLog(
    {
      name: init.name,
      hash: init.hash,
      source: init.source,
      createdAt: createdAt ?? new Date().toISOString(),
      tags: init.tags ?? {},
      params: init.params ?? {},
    },
    where,
  );
  await writeFileAtomic(where, `${JSON.stringify(study, null, 2)}\n`);
  return study;
}
