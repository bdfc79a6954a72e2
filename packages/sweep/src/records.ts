import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrialRecord } from '@ganbench/train';

export const TRIALS_FILE = 'trials.jsonl';

const STATUSES = ['finished', 'diverged', 'failed'];

function isRecord(value: unknown): value is TrialRecord {
  if (value === null || typeof value !== 'object') return false;
  const r = value as Partial<TrialRecord>;
  return typeof r.id === 'string' && typeof r.config === 'object' && r.config !== null && typeof r.status === 'string' && STATUSES.includes(r.status);
}

/**
 * Every record of `<studyDir>/trials.jsonl`, in the order written; none when the file is absent.
 * A last line without its newline is a write cut short (a killed process) and is left out; any
 * other line that is not a record is an error naming the file and line.
 */
export async function readTrialRecords(studyDir: string): Promise<TrialRecord[]> {
  const file = join(studyDir, TRIALS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const lines = text.split('\n');
  lines.pop(); // after the last newline: empty, or a torn line
  const records: TrialRecord[] = [];
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new Error(`${file}:${i + 1}: not JSON (${(error as Error).message})`);
    }
    if (!isRecord(value)) throw new Error(`${file}:${i + 1}: not a trial record (needs id, config and status finished|diverged|failed)`);
    records.push(value);
  }
  return records;
}

/** Cuts a torn last line (no newline: a writer killed mid-write) so the next record starts a line of its own. */
function dropTornTail(fd: number): void {
  const size = fstatSync(fd).size;
  if (size === 0) return;
  const chunk = Buffer.alloc(Math.min(size, 1 << 16));
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const n = readSync(fd, chunk, 0, end - start, start);
    const newline = chunk.subarray(0, n).lastIndexOf(0x0a);
    if (newline >= 0) {
      const keep = start + newline + 1;
      if (keep < size) ftruncateSync(fd, keep);
      return;
    }
    end = start;
  }
  ftruncateSync(fd, 0);
}

/**
 * Appends one record as one line: a single write of the JSON and its newline to a file opened
 * with O_APPEND, so a reader sees the line whole or (if the process dies mid-write) a torn last
 * line it ignores. Only one process (the sweep's parent) writes a study's trials.jsonl.
 */
export function appendTrialRecord(studyDir: string, record: TrialRecord): void {
  mkdirSync(studyDir, { recursive: true });
  const line = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
  const fd = openSync(join(studyDir, TRIALS_FILE), 'a+');
  try {
    dropTornTail(fd);
    let written = writeSync(fd, line, 0, line.length);
    while (written < line.length) written += writeSync(fd, line, written, line.length - written);
  } finally {
    closeSync(fd);
  }
}
