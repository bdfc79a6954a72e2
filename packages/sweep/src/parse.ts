import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { formatIssues, type Locator, StudyError, yamlLocator } from './errors.js';
import { expandStudy } from './expand.js';
import { type Study, studySchema } from './schema.js';

/** A validated study and where each of its YAML paths is written (for messages found later). */
export interface ParsedStudy {
  study: Study;
  locate: Locator;
}

/**
 * Reads and checks a study file completely — structure, registry names, hyperparameters,
 * architecture options, the search space, and every trial it expands to — so a mistake fails
 * before any training, with file:line, the YAML path, the value and what is allowed.
 */
export function parseStudyWithLocations(text: string, source: string): ParsedStudy {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (document.errors.length > 0) {
    throw new StudyError(
      source,
      document.errors.map((error) => `${source}:${lines.linePos(error.pos[0]).line}: not valid YAML: ${error.message.split('\n')[0]}`),
    );
  }
  const locate = yamlLocator(source, document, lines);
  const value: unknown = document.toJS();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new StudyError(source, [`${source}: must be a mapping with name, dataset, architecture, training, evaluation, seeds and search`]);
  }
  const result = studySchema.safeParse(value);
  if (!result.success) throw new StudyError(source, formatIssues(result.error.issues, value, locate));
  const study: Study = { ...result.data, source };
  expandStudy(study, locate);
  return { study, locate };
}

export function parseStudy(text: string, source: string): Study {
  return parseStudyWithLocations(text, source).study;
}

export async function loadStudy(file: string): Promise<Study> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`${file}: cannot read the study: ${(error as Error).message}`);
  }
  return parseStudy(text, file);
}
