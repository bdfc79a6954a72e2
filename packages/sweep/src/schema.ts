import {
  datasetConfigSchema,
  type NamedParams,
  namedSettingSchema,
  SIZE_LIMITS,
  slugSchema,
  strictObject as strict,
  TRAINING_FIELDS,
  uint32Schema as uint32,
} from '@ganbench/study-folder';
import { METRIC_NAMES } from '@ganbench/train';
import { z } from 'zod';

/**
 * The shape of a study file. Only structure and ranges live here; what depends on the registries
 * (loss and regularizer names, their hyperparameters, architecture options, search-space paths)
 * is checked in `parseStudy`, because plugins add to the registries at run time.
 */

const positiveInt = z.int().min(1);
/** A study's most trials (settings × seeds): past it, a typo rather than an experiment. */
export const STUDY_TRIAL_LIMIT = 100_000;

export const scalarSchema = z.union([z.string(), z.number(), z.boolean(), z.null()], { error: 'must be a string, number, boolean or null' });
export type Scalar = z.output<typeof scalarSchema>;

const metricName = z.enum(METRIC_NAMES);

const evaluationSchema = strict({
  every: positiveInt.describe('evaluate every this many generator steps, and at the end'),
  samples: positiveInt.max(SIZE_LIMITS.evaluationSamples).describe('generated samples per evaluation'),
  metrics: z
    .array(metricName)
    .min(1)
    .refine((list) => new Set(list).size === list.length, { error: 'must not repeat a metric' }),
  primary: metricName.optional().describe('the headline metric the report ranks by; default: the first of metrics'),
}).superRefine((value, ctx) => {
  if (value.primary !== undefined && !value.metrics.includes(value.primary)) {
    ctx.addIssue({ code: 'custom', path: ['primary'], message: `must be one of the evaluated metrics: ${value.metrics.join(', ')}` });
  }
});

/** A point of a grid axis or of a choice: one value, or a mapping of paths to values (several paths at once). */
export const pointSchema = z.union([scalarSchema, z.record(z.string(), scalarSchema)], {
  error: 'must be a value or a mapping of search-space paths to values',
});
export type Point = z.output<typeof pointSchema>;

const range = (item: z.ZodNumber) => z.tuple([item, item], { error: 'must be [lo, hi]' }).refine(([lo, hi]) => lo <= hi, { error: 'lo must not exceed hi' });

export const DISTRIBUTION_KINDS = ['logUniform', 'uniform', 'intUniform', 'choice'] as const;

/** One of four distributions; an object of optional keys (not a union) so a mistake gets a precise message. */
export const distributionSchema = strict({
  logUniform: range(z.number().positive()).optional().describe('log-uniform on [lo, hi], 0 < lo'),
  uniform: range(z.number()).optional().describe('uniform on [lo, hi]'),
  intUniform: range(z.int()).optional().describe('an integer uniform on lo, lo+1, …, hi'),
  choice: z.array(pointSchema).min(1).optional().describe('one of the listed values (or mappings of paths to values), equally likely'),
})
  .refine((value) => Object.keys(value).length === 1, { error: `must have exactly one of ${DISTRIBUTION_KINDS.join(', ')}` })
  .meta({ minProperties: 1, maxProperties: 1 });
export type Distribution = z.output<typeof distributionSchema>;

const SPACE_HELP =
  'keys are paths into the trial — loss, regularizers (names joined by +, or none), normalization, loss.<param>, regularizer.<param>, ' +
  'regularizers.<name>.<param>, normalization.<param>, architecture, architecture.<option>, training.nDisc, ' +
  'training.batchSize, training.emaDecay, training.unrolledSteps, training.optimizer.<lr|beta1|beta2|decay|momentum>, training.discriminatorOptimizer.<…> — ' +
  'or an axis name whose values are mappings of such paths to values';

const searchSchema = z
  .discriminatedUnion('kind', [
    strict({
      kind: z.literal('grid'),
      space: z.record(z.string(), z.array(pointSchema).min(1)).default({}).describe(`Cartesian product of the listed values; ${SPACE_HELP}`),
    }),
    strict({
      kind: z.literal('random'),
      trials: positiveInt.max(STUDY_TRIAL_LIMIT).describe('hyperparameter settings drawn (each run once per seed)'),
      seed: uint32.default(0).describe('seed of the draws'),
      space: z.record(z.string(), distributionSchema).describe(`independent draws from each distribution; ${SPACE_HELP}`),
    }),
  ])
  .describe('grid: {kind: grid, space}; random: {kind: random, trials, seed, space}');

export const studySchema = strict({
  $schema: z.string().optional().describe('path of this JSON Schema, for editors'),
  name: slugSchema.describe('the study; results go to results/<name>/'),
  description: z.string().optional(),
  dataset: datasetConfigSchema.extend({ name: slugSchema.describe('ring | grid (2-D mixtures) | mnist | fashion-mnist | cifar10 | folder') }),
  architecture: strict({
    name: slugSchema.describe('a registered architecture'),
    options: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()], { error: 'must be a string, number or boolean' })).default({}),
  }),
  training: strict(TRAINING_FIELDS),
  evaluation: evaluationSchema,
  loss: namedSettingSchema('loss').optional().describe('the loss of every trial the search space does not give one'),
  regularizer: namedSettingSchema('regularizer')
    .optional()
    .describe('one regularizer (none: no regularizer), read as a one-element regularizers; give regularizer or regularizers, not both'),
  regularizers: z
    .array(namedSettingSchema('regularizer'))
    .optional()
    .describe('the regularizers of every trial the search space does not give them, each a name or {name, params}; default none'),
  normalization: namedSettingSchema('normalization')
    .default({ name: 'none', params: {} })
    .describe("the discriminator's normalization (none, batch, layer, spectral) of every trial the search space does not give one"),
  seeds: z
    .union([z.array(uint32).min(1), positiveInt.transform((n) => Array.from({ length: n }, (_, i) => i))], {
      error: 'must be a list of seeds (integers ≥ 0) or a count (integer ≥ 1)',
    })
    .refine((list) => new Set(list).size === list.length, { error: 'must not repeat a seed' })
    .default([0])
    .describe('every hyperparameter setting runs once per seed; a count n means seeds 0 … n−1'),
  search: searchSchema.default({ kind: 'grid', space: {} }),
}).superRefine((value, ctx) => {
  if (value.regularizer !== undefined && value.regularizers !== undefined)
    ctx.addIssue({ code: 'custom', path: ['regularizers'], message: 'give regularizer (one) or regularizers (a list), not both' });
});

/** The study's default regularizers: `regularizers`, or `regularizer` as a one-element list (none: empty), with the YAML path of each entry's params. */
export function studyRegularizers(study: Pick<Study, 'regularizer' | 'regularizers'>): { list: NamedParams[]; paramsWhere(i: number): (string | number)[] } {
  if (study.regularizers !== undefined) return { list: study.regularizers, paramsWhere: (i) => ['regularizers', i, 'params'] };
  const single = study.regularizer;
  return { list: single === undefined || single.name === 'none' ? [] : [single], paramsWhere: () => ['regularizer', 'params'] };
}

/** What a study file holds once validated; `source` is the file it came from (for messages). */
export type Study = z.output<typeof studySchema> & { source: string };
export type StudyInput = z.input<typeof studySchema>;

/** The JSON Schema editors use to check and complete study files (experiments/study.schema.json). */
export function studyJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(studySchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { ...schema, title: 'ganbench study', description: 'A Kurach/Lucic-style study: a base trial, seeds and a grid or random search space.' };
}
