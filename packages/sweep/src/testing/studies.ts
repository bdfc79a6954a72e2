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
