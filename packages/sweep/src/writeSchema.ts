import { renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { studyJsonSchema } from './schema.js';

/** experiments/study.schema.json at the repository root, which study files and editors point at. */
export const STUDY_SCHEMA_FILE = fileURLToPath(new URL('../../../experiments/study.schema.json', import.meta.url));

export function studyJsonSchemaText(): string {
  return `${JSON.stringify(studyJsonSchema(), null, 2)}\n`;
}

/** Rewrites the schema file atomically (`pnpm --filter @ganbench/sweep run schema`). */
export function writeStudySchema(file: string = STUDY_SCHEMA_FILE): string {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, studyJsonSchemaText());
  renameSync(temp, file);
  return file;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`wrote ${writeStudySchema()}`);
}
