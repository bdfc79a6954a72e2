import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createFileExclusive, writeFileAtomic } from '../atomic.js';
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

/** What an execution id may look like: the folder's own, so only plain characters (a UUID's hex by default). */
const EXECUTION_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{7,63}$/;

export function newExecutionId(): string {
  return randomUUID().replaceAll('-', '');
}

/** study.json's fields; a file from before execution ids (no "executionId") parses with it undefined. */
function parseStudyFields(data: unknown, where: string): Omit<StudyLog, 'executionId'> & { executionId: string | undefined } {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new Error(`${where}: expected a JSON object`);
  const o = data as Record<string, unknown>;
  let executionId: string | undefined;
  if (o.executionId !== undefined) {
    if (typeof o.executionId !== 'string' || !EXECUTION_ID.test(o.executionId)) {
      throw new Error(`${where}: "executionId" is ${JSON.stringify(o.executionId)}; allowed: 8 to 64 letters, digits, '_' or '-'`);
    }
    executionId = o.executionId;
  }
  const name = requireString(o, 'name', where);
  const hash = requireString(o, 'hash', where);
  const source = requireString(o, 'source', where);
  const createdAt = requireString(o, 'createdAt', where);
  if (Number.isNaN(Date.parse(createdAt))) throw new Error(`${where}: "createdAt" must be an ISO 8601 date, got ${JSON.stringify(createdAt)}`);
  return {
    name,
    hash,
    source,
    executionId,
    createdAt,
    tags: stringMap(o.tags, 'tags', where),
    params: stringMap(o.params, 'params', where),
  };
}

export function parseStudyLog(data: unknown, where: string): StudyLog {
  const { executionId, ...rest } = parseStudyFields(data, where);
  if (executionId === undefined) {
    throw new Error(
      `${where}: "executionId" is missing (the folder was written by an older ganbench); \`ganbench mlflow sync\` or a rerun of \`ganbench sweep\` into this folder adds one`,
    );
  }
  return { ...rest, executionId };
}

/** Reads <study>/study.json; ENOENT passes through. */
export async function readStudyLog(studyDir: string): Promise<StudyLog> {
  const path = join(studyDir, STUDY_JSON);
  return parseStudyLog(await readJsonFile(path), path);
}

async function readPrevious(studyDir: string): Promise<ReturnType<typeof parseStudyFields> | null> {
  const path = join(studyDir, STUDY_JSON);
  try {
    return parseStudyFields(await readJsonFile(path), path);
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/**
 * Writes <study>/study.json atomically. The folder's executionId is made by the first write and
 * kept by every later one (a first write is exclusive, so two runners starting one folder at
 * once agree on it); a rerun of the same study (same hash) also keeps the first createdAt.
 */
export async function writeStudyLog(studyDir: string, init: StudyLogInit): Promise<StudyLog> {
  const where = join(studyDir, STUDY_JSON);
  for (;;) {
    const previous = await readPrevious(studyDir);
    const createdAt = init.createdAt ?? (previous?.hash === init.hash ? previous.createdAt : undefined);
    const study = parseStudyLog(
      {
        name: init.name,
        hash: init.hash,
        source: init.source,
        executionId: previous?.executionId ?? newExecutionId(),
        createdAt: createdAt ?? new Date().toISOString(),
        tags: init.tags ?? {},
        params: init.params ?? {},
      },
      where,
    );
    const text = `${JSON.stringify(study, null, 2)}\n`;
    if (previous !== null) {
      await writeFileAtomic(where, text);
      return study;
    }
    if (await createFileExclusive(where, text)) return study;
    // Another runner made the folder's study.json first: read it again and keep its executionId.
  }
}

/** Gives a study.json from before execution ids one (written once, atomically); the folder's executionId. */
export async function ensureExecutionId(studyDir: string): Promise<string> {
  const where = join(studyDir, STUDY_JSON);
  const previous = await readPrevious(studyDir);
  if (previous === null) throw new Error(`${where} does not exist; expected a study results folder (results/<study>) written by \`ganbench sweep\``);
  if (previous.executionId !== undefined) return previous.executionId;
  const study: StudyLog = { ...previous, executionId: newExecutionId() };
  await writeFileAtomic(where, `${JSON.stringify(study, null, 2)}\n`);
  return study.executionId;
}
