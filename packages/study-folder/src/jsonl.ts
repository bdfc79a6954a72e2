/**
 * The one JSON Lines codec of the study folder. A line is written with a single append of its JSON
 * and newline, so a line without its newline is a write cut short (a killed process): readers leave
 * it out. Several processes may append to one file (runners sharing a study folder), so nothing is
 * ever cut off a file: the next append starts a new line after a torn one, and readers leave out a
 * line whose JSON ends early wherever it is. Every other line must be valid, or reading fails with
 * file and line. Non-finite numbers are written as "NaN", "Infinity", "-Infinity".
 */
import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
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

/**
 * Whether JSON.parse failed because the text ended early: a write cut short, as opposed to damage
 * in the middle. V8 says "Unexpected end of JSON input" or names a position at the end of the text.
 */
function endsEarly(text: string, error: Error): boolean {
  if (/end of JSON input/i.test(error.message)) return true;
  const at = /at position (\d+)/.exec(error.message);
  return at !== null && Number(at[1]) >= text.trimEnd().length;
}

/**
 * Every complete line, validated by `schema`, with its 1-based line number; blank lines and writes
 * cut short are skipped. `firstLine` numbers the lines of a file read from the middle.
 */
export function parseJsonLines<S extends z.ZodType>(text: string, file: string, schema: S, firstLine = 1): { line: number; value: z.output<S> }[] {
  const lines = text.split('\n');
  lines.pop(); // after the last newline: empty, or a torn line
  const out: { line: number; value: z.output<S> }[] = [];
  for (const [index, raw] of lines.entries()) {
    if (raw.trim() === '') continue;
    const line = firstLine + index;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      // A process killed while appending, followed by another's append: the torn part is a line of its own.
      if (endsEarly(raw, error as Error)) continue;
      throw new Error(`${file}:${line}: not valid JSON (${(error as Error).message})`);
    }
    const result = schema.safeParse(parsed, { reportInput: true });
    if (!result.success) throw new Error(`${file}:${line}: ${formatIssues(result.error).join('; ')}`);
    out.push({ line, value: result.data });
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

/** Whether the file ends inside a line (a torn write), read at the end without changing anything. */
function endsTorn(fd: number): boolean {
  const size = fstatSync(fd).size;
  if (size === 0) return false;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  return last[0] !== 0x0a;
}

/**
 * Appends one line with a single write to a file opened with O_APPEND, which the kernel keeps whole
 * among concurrent appenders. After a torn line the write starts with a newline rather than cutting
 * the torn part off: another process may be appending at that moment, and a cut could take its line.
 */
export function appendJsonLine(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const fd = openSync(file, 'a+');
  try {
    const line = Buffer.from(`${endsTorn(fd) ? '\n' : ''}${encodeJsonLine(value)}`, 'utf8');
    let written = writeSync(fd, line, 0, line.length);
    while (written < line.length) written += writeSync(fd, line, written, line.length - written);
  } finally {
    closeSync(fd);
  }
}
