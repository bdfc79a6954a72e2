/**
 * The one JSON Lines codec of the study folder. A line is written with a single append of its JSON
 * and newline, so a line without its newline is a write cut short (a killed process): readers leave
 * it out and the next append cuts it off. Every complete line must be valid, or reading fails with
 * file and line. Non-finite numbers are written as "NaN", "Infinity", "-Infinity".
 */
import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { z } from 'zod';
import { formatIssues } from './zod.js';

const nonFinite = (_key: string, value: unknown): unknown =>
  typeof value === 'number' && !Number.isFinite(value) ? (Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity') : value;

/** One line: the JSON (non-finite numbers as strings) and its newline. */
export function encodeJsonLine(value: unknown): string {
  return `${JSON.stringify(value, nonFinite)}\n`;
}

/** Every complete line, validated by `schema`, with its 1-based line number; blank lines are skipped. */
export function parseJsonLines<S extends z.ZodType>(text: string, file: string, schema: S): { line: number; value: z.output<S> }[] {
  const lines = text.split('\n');
  lines.pop(); // after the last newline: empty, or a torn line
  const out: { line: number; value: z.output<S> }[] = [];
  for (const [index, raw] of lines.entries()) {
    if (raw.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      throw new Error(`${file}:${index + 1}: not valid JSON (${(error as Error).message})`);
    }
    const result = schema.safeParse(parsed, { reportInput: true });
    if (!result.success) throw new Error(`${file}:${index + 1}: ${formatIssues(result.error).join('; ')}`);
    out.push({ line: index + 1, value: result.data });
  }
  return out;
}

/** The values of a JSON Lines file; none when it does not exist. */
export async function readJsonLines<S extends z.ZodType>(file: string, schema: S): Promise<z.output<S>[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return parseJsonLines(text, file, schema).map(({ value }) => value);
}

/** Cuts a torn last line so the next line starts a line of its own. */
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

/** Appends one line with a single write to a file opened with O_APPEND, after cutting a torn tail. */
export function appendJsonLine(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const line = Buffer.from(encodeJsonLine(value), 'utf8');
  const fd = openSync(file, 'a+');
  try {
    dropTornTail(fd);
    let written = writeSync(fd, line, 0, line.length);
    while (written < line.length) written += writeSync(fd, line, written, line.length - written);
  } finally {
    closeSync(fd);
  }
}
