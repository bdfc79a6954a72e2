import { readFileSync } from 'node:fs';
import { BASE_STUDY, studyProblems, withSearch } from '@ganbench/sweep/testing';
import { describe, expect, it } from 'vitest';
import { expandStudy } from './expand.js';
import { parseStudy } from './parse.js';
import { STUDY_SCHEMA_FILE, studyJsonSchemaText } from './writeSchema.js';

const FILE = 'experiments/tiny.yaml';

/** 1-based line of the first line containing `needle`. */
function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`test setup: '${needle}' not in the text`);
  return index + 1;
}

const problems = (text: string) => studyProblems(text, FILE);

describe('parseStudy', () => {
  it('fills every default of a minimal study', () => {
    const study = parseStudy(BASE_STUDY, FILE);
    expect(study.source).toBe(FILE);
    expect(study.training).toEqual({
      steps: 100,
      batchSize: 64,
      nDisc: 1,
      optimizer: { name: 'adam', lr: 2e-4, beta1: 0.5, beta2: 0.999 },
      emaDecay: null,
      unrolledSteps: 0,
      checkpointEvery: 1000,
    });
    expect(study.loss).toEqual({ name: 'non-saturating', params: {} });
    expect(study.regularizers).toBeUndefined();
    expect(study.normalization).toEqual({ name: 'none', params: {} });
    expect(study.seeds).toEqual([0, 1]);
    expect(study.search).toEqual({ kind: 'grid', space: {} });
    expect(expandStudy(study)).toHaveLength(2);
  });

  it('fills the defaults of the optimizer named', () => {
    const text = BASE_STUDY.replace('  batchSize: 64', '  batchSize: 64\n  optimizer: { name: rmsprop }\n  discriminatorOptimizer: { name: sgd, lr: 0.1 }');
    const study = parseStudy(text, FILE);
    expect(study.training.optimizer).toEqual({ name: 'rmsprop', lr: 5e-5, decay: 0.9 });
    expect(study.training.discriminatorOptimizer).toEqual({ name: 'sgd', lr: 0.1, momentum: 0 });
  });

  // Each mistake: the text, then what the message must name (file:line, YAML path, the value, what is allowed).
  const cases: [string, string, (text: string) => string[]][] = [
    [
      'a negative learning rate in a grid',
      withSearch('  kind: grid\n  space:\n    training.optimizer.lr: [1.0e-4, 2.0e-4, -0.001]\n'),
      (t) => [`${FILE}:${lineOf(t, 'training.optimizer.lr')}: search.space.training.optimizer.lr[2]: must be > 0 (got -0.001)`],
    ],
    [
      'an unknown top-level key',
      `${BASE_STUDY}trainig: {}\n`,
      (t) => [`${FILE}:${lineOf(t, 'trainig')}: trainig: unknown key "trainig"; allowed: $schema, name,`],
    ],
    [
      'an unknown key in training',
      BASE_STUDY.replace('  batchSize: 64', '  batchSize: 64\n  nDsic: 2'),
      (t) => [`${FILE}:${lineOf(t, 'nDsic')}: training.nDsic: unknown key "nDsic"; allowed: steps, batchSize, nDisc,`],
    ],
    [
      'a misspelt search-space path',
      withSearch('  kind: grid\n  space:\n    training.optimzer.lr: [1.0e-4]\n'),
      (t) => [
        `${FILE}:${lineOf(t, 'optimzer')}: search.space.training.optimzer.lr: unknown path; allowed: loss, regularizers (or regularizer), normalization, loss.<param>`,
      ],
    ],
    [
      'an unregistered loss',
      withSearch('  kind: grid\n  space:\n    loss: [hinge, hinje]\n'),
      (t) => [`${FILE}:${lineOf(t, 'hinje')}: search.space.loss[1]: must be a registered loss: minimax, non-saturating,`, '(got "hinje")'],
    ],
    [
      'λ where no regularizer of the study takes one',
      withSearch('  kind: grid\n  space:\n    regularizer: [none, r1]\n    regularizer.lambda: [1, 10]\n'),
      (t) => [`${FILE}:${lineOf(t, 'regularizer.lambda')}: search.space.regularizer.lambda[0]: no regularizer in this study takes 'lambda'; r1 takes gamma`],
    ],
    [
      'a misspelt default hyperparameter',
      BASE_STUDY.replace('loss: non-saturating', 'loss: non-saturating\nregularizer: { name: gradient-penalty, params: { lamda: 10 } }'),
      (t) => [`${FILE}:${lineOf(t, 'lamda')}: regularizer.params.lamda: no regularizer in this study takes 'lamda'; gradient-penalty takes lambda`],
    ],
    [
      'a log-uniform range that starts at 0',
      withSearch('  kind: random\n  trials: 4\n  space:\n    training.optimizer.lr: { logUniform: [0, 1.0e-2] }\n'),
      (t) => [`${FILE}:${lineOf(t, 'logUniform')}: search.space.training.optimizer.lr.logUniform[0]: must be > 0 (got 0)`],
    ],
    [
      'a continuous distribution for an integer',
      withSearch('  kind: random\n  trials: 4\n  space:\n    training.nDisc: { uniform: [1, 5] }\n'),
      (t) => [`${FILE}:${lineOf(t, 'training.nDisc')}: search.space.training.nDisc.uniform: this path takes integers: use intUniform or choice`],
    ],
    [
      'two distributions at once',
      withSearch('  kind: random\n  trials: 4\n  space:\n    training.nDisc: { intUniform: [1, 5], choice: [1] }\n'),
      (t) => [`${FILE}:${lineOf(t, 'training.nDisc')}: search.space.training.nDisc: must have exactly one of logUniform, uniform, intUniform, choice`],
    ],
    [
      'a primary metric that is not evaluated',
      BASE_STUDY.replace('metrics: [modes_covered, frechet_2d]', 'metrics: [modes_covered, frechet_2d]\n  primary: fid'),
      (t) => [`${FILE}:${lineOf(t, 'primary')}: evaluation.primary: must be one of the evaluated metrics: modes_covered, frechet_2d (got "fid")`],
    ],
    [
      'an unknown metric',
      BASE_STUDY.replace('metrics: [modes_covered, frechet_2d]', 'metrics: [modes_covered, fdi]'),
      (t) => [`${FILE}:${lineOf(t, 'fdi')}: evaluation.metrics[1]: must be one of "modes_covered", "high_quality", "frechet_2d", "fid"`, '(got "fdi")'],
    ],
    [
      'a bad architecture option in the space',
      withSearch('  kind: grid\n  space:\n    architecture.gWidth: [16, 0]\n'),
      (t) => [
        `${FILE}:${lineOf(t, 'architecture.gWidth')}: search.space.architecture.gWidth[1]: architecture mlp.gWidth: 0 is not allowed; must be an integer ≥ 1 (got 0)`,
      ],
    ],
    [
      'an optimizer field the optimizer does not have',
      withSearch('  kind: grid\n  space:\n    training.optimizer.momentum: [0.9]\n'),
      (t) => [
        `search.space.training.optimizer.momentum[0]: the generator's optimizer is adam, which takes lr, beta1, beta2 (got 0.9)`,
        `${FILE}:${lineOf(t, 'momentum')}`,
      ],
    ],
    [
      'a parameter its own point cannot take',
      withSearch(
        '  kind: grid\n  space:\n    variant:\n      - { loss: wasserstein, regularizer: weight-clipping, regularizer.lambda: 3 }\n      - { loss: wasserstein, regularizer: gradient-penalty }\n',
      ),
      (t) => [
        `${FILE}:${lineOf(t, 'weight-clipping')}: search.space.variant[0].regularizer.lambda: no regularizer 'weight-clipping' takes 'lambda'; weight-clipping takes c (got 3)`,
      ],
    ],
    [
      'a path set on two axes',
      withSearch('  kind: grid\n  space:\n    loss: [hinge]\n    variant:\n      - { loss: wasserstein }\n'),
      (t) => [`${FILE}:${lineOf(t, 'variant')}: search.space.variant: sets 'loss', which search.space.loss sets too`],
    ],
    ['a repeated seed', BASE_STUDY.replace('seeds: 2', 'seeds: [3, 3]'), (t) => [`${FILE}:${lineOf(t, 'seeds')}: seeds: must not repeat a seed (got [3,3])`]],
    [
      'a name that is not a slug',
      BASE_STUDY.replace('name: tiny', 'name: Tiny Study'),
      (t) => [`${FILE}:${lineOf(t, 'Tiny')}: name: must be lowercase letters, digits and dashes`],
    ],
    [
      'a missing field',
      BASE_STUDY.replace('  batchSize: 64\n', ''),
      (t) => [`${FILE}:${lineOf(t, 'training:')}: training.batchSize: must be a number (missing)`],
    ],
    ['invalid YAML', BASE_STUDY.replace('dataset: { name: ring }', 'dataset: { name: ring'), () => [`${FILE}:4: not valid YAML: Flow map`]],
  ];

  for (const [what, text, expected] of cases) {
    it(`rejects ${what}, naming file:line, path, value and what is allowed`, () => {
      const found = problems(text).join('\n');
      for (const part of expected(text)) expect(found).toContain(part);
    });
  }

  it('reports every problem at once', () => {
    const text = withSearch('  kind: grid\n  space:\n    loss: [hinje]\n', BASE_STUDY.replace('  steps: 100', '  steps: 0'));
    // Structure is checked first: the registry check runs on a study whose shape is right.
    expect(problems(text)).toHaveLength(1);
    const two = BASE_STUDY.replace('  steps: 100', '  steps: 0').replace('seeds: 2', 'seeds: -1');
    expect(problems(two)).toHaveLength(2);
  });
});

describe('studyJsonSchema', () => {
  it('is what experiments/study.schema.json holds (rewrite it with `pnpm --filter @ganbench/sweep run schema`)', () => {
    expect(readFileSync(STUDY_SCHEMA_FILE, 'utf8')).toBe(studyJsonSchemaText());
  });

  it('rejects unknown keys and lists the required ones, as the zod schema does', () => {
    const schema = JSON.parse(studyJsonSchemaText()) as { additionalProperties: boolean; required: string[]; properties: Record<string, unknown> };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required.sort()).toEqual(['architecture', 'dataset', 'evaluation', 'name', 'training']);
    expect(Object.keys(schema.properties)).toContain('search');
  });
});
