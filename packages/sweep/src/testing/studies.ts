import { StudyError } from '../errors.js';
import { parseStudy } from '../parse.js';

/** Study files for the tests: a small valid base and helpers to vary it. */
export const BASE_STUDY = `# A small study on the 2-D ring
name: tiny
dataset: { name: ring }
architecture:
  name: mlp
  options: { gWidth: 32, dWidth: 32 }
training:
  steps: 100
  batchSize: 64
evaluation:
  every: 50
  samples: 500
  metrics: [modes_covered, frechet_2d]
loss: non-saturating
seeds: 2
`;

/** The base study with a search section appended (indented YAML text). */
export const withSearch = (search: string, base: string = BASE_STUDY) => `${base}search:\n${search}`;

/** The problems a study file is rejected with (one line each); an error when it is accepted. */
export function studyProblems(text: string, file: string): string[] {
  try {
    parseStudy(text, file);
  } catch (error) {
    if (error instanceof StudyError) return [...error.problems];
    throw error;
  }
  throw new Error(`expected ${file} to be rejected`);
}
