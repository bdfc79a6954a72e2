import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { appendJsonLine, parseJsonLines, readJsonLines } from './jsonl.js';
import { type TrialRecord, trialRecordSchema } from './trialRecord.js';

export const TRIALS_FILE = 'trials.jsonl';

/** Every record of `<studyDir>/trials.jsonl` in the order written (a trial run again has several); none when the file is absent. */
export function readTrialRecords(studyDir: string): Promise<TrialRecord[]> {
  return readJsonLines(join(studyDir, TRIALS_FILE), trialRecordSchema);
}

/** One record per trial: a later line for the same id (a retried or resumed trial) replaces the earlier one. */
export function latestTrialRecords(records: readonly TrialRecord[]): TrialRecord[] {
  const byId = new Map<string, TrialRecord>();
  for (const record of records) {
    byId.delete(record.id);
    byId.set(record.id, record);
  }
  return [...byId.values()];
}

/**
 * Appends one record to `<studyDir>/trials.jsonl`: one line in one O_APPEND write, so any number of
 * runners sharing the folder can append (each trial's lease makes one of them its only writer).
 */
export function appendTrialRecord(studyDir: string, record: TrialRecord): void {
  appendJsonLine(join(studyDir, TRIALS_FILE), record);
}

/**
 * Follows `<studyDir>/trials.jsonl` as it grows: each `read()` returns the records appended since the
 * previous one (the first, every record so far), so a runner learns what other runners recorded
 * without reading the whole file again for each trial. The file only grows (appends never cut it), so
 * an offset stays valid; a line not yet complete is read the next time.
 */
export function followTrialRecords(studyDir: string): { read(): TrialRecord[] } {
  const file = join(studyDir, TRIALS_FILE);
  let offset = 0;
  let line = 1;
  return {
    read() {
      let fd: number;
      try {
        fd = openSync(file, 'r');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      let bytes: Buffer;
      try {
        const size = fstatSync(fd).size;
        bytes = Buffer.alloc(Math.max(0, size - offset));
        let got = 0;
        while (got < bytes.length) {
          const n = readSync(fd, bytes, got, bytes.length - got, offset + got);
          if (n === 0) break;
          got += n;
        }
        bytes = bytes.subarray(0, got);
      } finally {
        closeSync(fd);
      }
      const end = bytes.lastIndexOf(0x0a) + 1;
      if (end === 0) return [];
      const text = bytes.subarray(0, end).toString('utf8');
      const records = parseJsonLines(text, file, trialRecordSchema, line).map(({ value }) => value);
      offset += end;
      line += text.split('\n').length - 1;
      return records;
    },
  };
}
