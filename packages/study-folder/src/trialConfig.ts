/**
 * One trial, fully resolved: every default filled in, so its hash is its identity (the same
 * configuration written two ways is the same trial). Sweeps produce these, `runTrial` consumes them,
 * trials.jsonl stores them; the types are the schema's output, declared nowhere else.
 */
import { z } from 'zod';
import { strictObject } from './zod.js';

export const paramValueSchema = z.union([z.number(), z.string(), z.boolean()], { error: 'must be a number, string or boolean' });
export type ParamValue = z.output<typeof paramValueSchema>;

const positiveInt = z.int().min(1);
export const uint32Schema = z.int().min(0).max(0xffffffff);

// Defaults: Adam as in DCGAN (Radford et al. 2016: lr 2e-4, β₁ 0.5) with the usual β₂ 0.999;
// RMSProp as in WGAN (Arjovsky et al. 2017: lr 5e-5) with TensorFlow's decay 0.9; plain SGD.
const lr = z.number().positive().describe('learning rate');
const beta = z.number().min(0).lt(1);
export const OPTIMIZER_FIELDS = {
  adam: { lr: lr.default(2e-4), beta1: beta.default(0.5).describe('Adam β₁'), beta2: beta.default(0.999).describe('Adam β₂') },
  rmsprop: { lr: lr.default(5e-5), decay: beta.default(0.9).describe('RMSProp decay of the squared-gradient average') },
  sgd: { lr: lr.default(1e-2), momentum: beta.default(0).describe('momentum (0: plain SGD)') },
} as const;
export const OPTIMIZER_NAMES = Object.keys(OPTIMIZER_FIELDS) as (keyof typeof OPTIMIZER_FIELDS)[];

export const optimizerSchema = z
  .discriminatedUnion('name', [
    strictObject({ name: z.literal('adam'), ...OPTIMIZER_FIELDS.adam }),
    strictObject({ name: z.literal('rmsprop'), ...OPTIMIZER_FIELDS.rmsprop }),
    strictObject({ name: z.literal('sgd'), ...OPTIMIZER_FIELDS.sgd }),
  ])
  .describe('adam {lr, beta1, beta2}, rmsprop {lr, decay} or sgd {lr, momentum}');
export type OptimizerConfig = z.output<typeof optimizerSchema>;

/**
 * Sizes beyond which a value is a typo, not an experiment: 10⁷ generator steps is years on a GPU, a batch
 * of 65,536 is past every published GAN, and FID is computed from 50,000 samples.
 */
export const SIZE_LIMITS = { steps: 10_000_000, batchSize: 65_536, evaluationSamples: 1_000_000 } as const;

/** The training fields as a study file writes them; a resolved trial has every one, `discriminatorOptimizer` included. */
export const TRAINING_FIELDS = {
  steps: positiveInt.max(SIZE_LIMITS.steps).describe('generator steps'),
  batchSize: positiveInt.max(SIZE_LIMITS.batchSize).describe('examples per batch, real and generated'),
  nDisc: positiveInt.default(1).describe('discriminator steps per generator step (n_disc)'),
  optimizer: optimizerSchema
    .default({ name: 'adam', lr: 2e-4, beta1: 0.5, beta2: 0.999 })
    .describe("the generator's optimizer, and the discriminator's too unless discriminatorOptimizer is given"),
  discriminatorOptimizer: optimizerSchema
    .optional()
    .describe("the discriminator's optimizer when it differs (TTUR, Heusel et al. 2017); default: the generator's"),
  emaDecay: z.number().min(0).lt(1).nullable().default(null).describe('decay of the exponential moving average of generator weights; null for none'),
  unrolledSteps: z
    .int()
    .min(0)
    .default(0)
    .describe(
      "Unrolled GAN (Metz et al. 2017): the generator's loss against D after this many steps of D's own optimizer from its live state, differentiated through; 0 for none",
    ),
  checkpointEvery: positiveInt.default(1000).describe('save training state every this many generator steps, and at the end'),
} as const;

export type MetricGoal = 'min' | 'max';

const SLUG = /^[a-z0-9][a-z0-9-]*$/;
export const slugSchema = z.string().regex(SLUG, { error: 'must be lowercase letters, digits and dashes, starting with a letter or digit' });

/** How a study file names a loss or regularizer: `hinge` or `{name: hinge, params: {...}}`, read as `{name, params}`. */
export function namedSettingSchema(what: string) {
  const params = z.record(z.string(), z.union([z.number(), z.boolean()], { error: 'must be a number or a boolean' }));
  return z
    .union([slugSchema, strictObject({ name: slugSchema.describe(`registered ${what} name`), params: params.default({}) })], {
      error: `must be a registered ${what} name or {name, params}`,
    })
    .transform((value): NamedParams => (typeof value === 'string' ? { name: value, params: {} } : value));
}

/** `{name, params}`: a registered loss or regularizer ('none' for no regularizer) with every hyperparameter filled in. */
export const namedParamsSchema = strictObject({ name: z.string().min(1), params: z.record(z.string(), paramValueSchema) });
export type NamedParams = z.output<typeof namedParamsSchema>;

export const datasetConfigSchema = strictObject({
  name: z.string().min(1).describe('ring | grid (2-D mixtures) | mnist | fashion-mnist | cifar10 | folder'),
  resolution: positiveInt.optional().describe('image side in pixels after padding/resizing (images only)'),
  channels: z.literal([1, 3]).optional().describe('1 or 3 (images only)'),
  path: z.string().min(1).optional().describe("a folder of images (dataset 'folder' only)"),
});
export type DatasetConfig = z.output<typeof datasetConfigSchema>;

export const trainingConfigSchema = strictObject({ ...TRAINING_FIELDS, discriminatorOptimizer: optimizerSchema });
export type TrainingConfig = z.output<typeof trainingConfigSchema>;

export const evaluationConfigSchema = strictObject({
  every: positiveInt.describe('evaluate every this many generator steps, and at the end'),
  samples: positiveInt.max(SIZE_LIMITS.evaluationSamples).describe('generated samples per evaluation'),
  /** Names from the metric registry of @ganbench/train, which checks them against the dataset. */
  metrics: z.array(z.string().min(1)).min(1),
});
export type EvaluationConfig = z.output<typeof evaluationConfigSchema>;

/** The regularizer name that trials recorded before the normalization axis used for spectral normalization (normalization `spectral` now). */
export const LEGACY_SPECTRAL_REGULARIZER = 'spectral-norm';
export const NO_NORMALIZATION: NamedParams = { name: 'none', params: {} };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A trial configuration as written before the normalization axis (`regularizer: {name, params}`) read
 * as today's: `none` an empty list, `spectral-norm` the normalization `spectral` (its `iterations`
 * kept), any other regularizer a one-element list. Anything else is left for the schema to judge.
 */
export function migrateTrialConfig(value: unknown): unknown {
  if (!isRecord(value) || !('regularizer' in value) || 'regularizers' in value) return value;
  const { regularizer, ...rest } = value;
  if (!isRecord(regularizer) || typeof regularizer.name !== 'string') return value;
  const setting = { name: regularizer.name, params: isRecord(regularizer.params) ? regularizer.params : {} };
  if (setting.name === LEGACY_SPECTRAL_REGULARIZER && !('normalization' in rest))
    return { ...rest, regularizers: [], normalization: { name: 'spectral', params: setting.params } };
  return { ...rest, regularizers: setting.name === 'none' ? [] : [setting], normalization: rest.normalization ?? NO_NORMALIZATION };
}

export const trialConfigSchema = z.preprocess(
  migrateTrialConfig,
  strictObject({
    dataset: datasetConfigSchema,
    architecture: strictObject({ name: z.string().min(1), options: z.record(z.string(), paramValueSchema) }),
    loss: namedParamsSchema,
    /** Registered regularizers in the order given, none twice; empty for none. */
    regularizers: z.array(namedParamsSchema),
    /** The discriminator's normalization (none, batch, layer, spectral: @ganbench/regularizers' normalizations). */
    normalization: namedParamsSchema,
    training: trainingConfigSchema,
    evaluation: evaluationConfigSchema,
    seed: uint32Schema,
  }),
);
export type TrialConfig = z.output<typeof trialConfigSchema>;

/**
 * The configuration as it was written before the normalization axis, when it can be (at most one
 * regularizer, or spectral normalization alone, or nothing): what a trial's id hashes, so the trials of
 * a study recorded before keep their ids and a rerun does no work. Null when only today's form says it.
 */
export function legacyTrialConfig(config: TrialConfig): Record<string, unknown> | null {
  const { regularizers, normalization, ...rest } = config;
  if (normalization.name === 'none' && regularizers.length <= 1) return { ...rest, regularizer: regularizers[0] ?? { name: 'none', params: {} } };
  if (normalization.name === 'spectral' && regularizers.length === 0)
    return { ...rest, regularizer: { name: LEGACY_SPECTRAL_REGULARIZER, params: normalization.params } };
  return null;
}

/**
 * A configuration (today's or the legacy form) without `training.unrolledSteps` when it is 0, the plain
 * generator step: what a trial's id hashes, so trials recorded before the option keep their ids.
 */
export function withoutDefaultUnrolling<T extends { training: object }>(config: T): T {
  const training = config.training as { unrolledSteps?: number };
  if (training.unrolledSteps !== 0) return config;
  const { unrolledSteps: _, ...rest } = training;
  return { ...config, training: rest };
}

/** Architecture options that, at these values, leave the network as it was before they existed: a trial's id hashes them only when they differ. */
const ARCHITECTURE_OPTIONS_ADDED_OFF: readonly { option: string; off: unknown; with: readonly string[] }[] = [
  // Minibatch discrimination (dcgan, sndcgan): off at 0 kernels, when its C means nothing.
  { option: 'minibatchKernels', off: 0, with: ['minibatchKernelDims'] },
  // Virtual batch norm in dcgan's G: off when false, when the reference batch's size means nothing.
  { option: 'generatorVirtualBatchNorm', off: false, with: ['virtualBatchSize'] },
];

/**
 * A configuration without the architecture options added since trials were first recorded, where they
 * are off (minibatchKernels 0 with its minibatchKernelDims, generatorVirtualBatchNorm false with its virtualBatchSize): what a trial's id hashes, so recorded trials keep their ids.
 */
export function withoutDefaultArchitectureOptions<T extends { architecture: { name: string; options: Record<string, unknown> } }>(config: T): T {
  const options = { ...config.architecture.options };
  let changed = false;
  for (const added of ARCHITECTURE_OPTIONS_ADDED_OFF) {
    if (!(added.option in options) || options[added.option] !== added.off) continue;
    for (const key of [added.option, ...added.with]) delete options[key];
    changed = true;
  }
  return changed ? { ...config, architecture: { ...config.architecture, options } } : config;
}

/** Loss parameters that, at these values, leave the loss as it was before they existed: a trial's id hashes them only when they differ. */
const LOSS_PARAMS_ADDED_OFF: readonly { loss: string; param: string; off: unknown }[] = [
  // EBGAN's pull-away term: off at weight 0.
  { loss: 'energy-based', param: 'pullAway', off: 0 },
];

/** A configuration without the loss parameters added since trials were first recorded, where they are off (energy-based's pullAway 0): what a trial's id hashes. */
export function withoutDefaultLossParams<T extends { loss: { name: string; params: Record<string, unknown> } }>(config: T): T {
  const off = LOSS_PARAMS_ADDED_OFF.filter((a) => a.loss === config.loss.name && a.param in config.loss.params && config.loss.params[a.param] === a.off);
  if (off.length === 0) return config;
  const params = { ...config.loss.params };
  for (const a of off) delete params[a.param];
  return { ...config, loss: { ...config.loss, params } };
}

/** `none`, or the regularizers' names joined by '+': how a trial's regularizers are named in MLflow, the report and the search space. */
export function regularizersLabel(regularizers: readonly { name: string }[]): string {
  return regularizers.length === 0 ? 'none' : regularizers.map((r) => r.name).join('+');
}

/**
 * The names a trial's settings go by everywhere after the study file: MLflow params and the report's
 * columns. A named part is its name under its own key and its settings under `key.setting`
 * (loss = hinge, normalization.iterations = 1, architecture.gWidth = 64); the regularizers are
 * `regularizers` = their names joined by '+' (or none) and each one's settings under
 * `regularizers.<name>.<setting>` (regularizers.gradient-penalty.lambda = 10); the rest dotted paths
 * (training.optimizer.lr, training.nDisc): the search-space paths of a study file.
 */
export function trialSettings(config: TrialConfig): Record<string, ParamValue | null> {
  const out: Record<string, ParamValue | null> = {};
  const visit = (prefix: string, value: unknown): void => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      out[prefix] = Array.isArray(value) ? value.join(',') : (value as ParamValue | null);
      return;
    }
    const record = value as Record<string, unknown>;
    const named = typeof record.name === 'string';
    for (const [key, inner] of Object.entries(record)) {
      if (named && key === 'name') out[prefix] = inner as string;
      else if (named && (key === 'params' || key === 'options')) visit(prefix, inner);
      else visit(prefix === '' ? key : `${prefix}.${key}`, inner);
    }
  };
  const { regularizers, ...rest } = config;
  visit('', rest);
  out.regularizers = regularizersLabel(regularizers);
  for (const { name, params } of regularizers) for (const [key, value] of Object.entries(params)) out[`regularizers.${name}.${key}`] = value;
  return out;
}

/** The settings as MLflow params (strings). */
export function trialParams(config: TrialConfig): Record<string, string> {
  return Object.fromEntries(Object.entries(trialSettings(config)).map(([key, value]) => [key, String(value)]));
}
