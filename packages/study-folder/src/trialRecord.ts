import { z } from 'zod';
import { type MetricGoal, trialConfigSchema } from './trialConfig.js';
import { strictObject } from './zod.js';

/** Trial ids name folders, so only plain file-name characters are allowed: no separators, no '..'. */
export const SAFE_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
export const trialIdSchema = z.string().regex(SAFE_ID, { error: "must be a plain name of letters, digits, '.', '_' or '-'" });

/** How a trial ended, as its trials.jsonl record says: `diverged` when a loss became NaN or ±Inf (with the step), `failed` on an error. */
export const TRIAL_STATUSES = ['finished', 'diverged', 'failed'] as const;
export type TrialStatus = (typeof TRIAL_STATUSES)[number];

/**
 * Every state of a trial: `pending` (never started), `running` (a live lease), `interrupted` (started,
 * stopped without a record: Ctrl-C, a worker killed, a runner that died; the next run resumes it from
 * its checkpoint), or how it ended. Only the ended states are written to trials.jsonl; the others
 * come from the trial's lease (see lease.ts, `trialState`).
 */
export const TRIAL_STATES = ['pending', 'running', 'interrupted', ...TRIAL_STATUSES] as const;
export type TrialState = (typeof TRIAL_STATES)[number];

/**
 * A metric value. JSON has no NaN or ±Infinity: the codec writes them as "NaN", "Infinity" and
 * "-Infinity"; null is read as NaN because that is what JSON.stringify wrote before.
 */
export const metricValueSchema = z
  .union([z.number(), z.literal(['NaN', 'Infinity', '-Infinity']), z.null()], { error: 'must be a number, "NaN", "Infinity" or "-Infinity"' })
  .transform((value) => (typeof value === 'number' ? value : value === null ? Number.NaN : Number(value)));

/** Metric name → value, as trials.jsonl and evaluations.jsonl record them. */
export const metricMapSchema = z.record(z.string(), metricValueSchema);
const goalSchema = z.enum(['min', 'max'] as const satisfies readonly MetricGoal[]);

/** One line of a study's trials.jsonl. */
export const trialRecordSchema = z.object({
  /** Hash of `config` (hex). */
  id: trialIdSchema,
  study: z.string().min(1),
  config: trialConfigSchema,
  status: z.enum(TRIAL_STATUSES),
  error: z.string().optional(),
  divergedAt: z.int().min(0).optional(),
  /** Metrics of the last evaluation. */
  final: metricMapSchema,
  /** Best value of each metric over the trial's evaluations (by each metric's goal). */
  best: metricMapSchema,
  /** The study's headline metric, which the report ranks by. */
  primary: strictObject({ metric: z.string().min(1), goal: goalSchema }),
  /** Generator steps completed. */
  steps: z.int().min(0),
  seconds: z.number().min(0),
  finishedAt: z.string().min(1),
});
export type TrialRecord = z.output<typeof trialRecordSchema>;

/** One line of trials/<id>/metrics.jsonl. */
export const metricPointSchema = z.object({
  key: z.string().min(1),
  value: metricValueSchema,
  step: z.int().min(0),
  timestamp: z.number(),
});
export type MetricPoint = z.output<typeof metricPointSchema>;

/** What the report reads of study.json (written when a sweep starts); every other key is left alone. */
export const studyInfoSchema = z.object({
  name: z.string().min(1),
  hash: z.string().min(1).optional(),
  source: z.string().min(1).optional(),
  createdAt: z.string().min(1).optional(),
  /** The study's settings as MLflow params (`evaluation.primary` among them: the metric the report ranks by). */
  params: z.record(z.string(), z.string()).optional(),
});
export type StudyInfo = z.output<typeof studyInfoSchema>;
