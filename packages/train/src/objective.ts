/**
 * The loss, the regularizers and the normalization of a trial compiled once into one objective, the only
 * thing the trainer, the Dirac-GAN and the mixture toy ask "what does D minimize, what does it see, what
 * happens to its weights": penalties are summed into the discriminator's loss, a reparametrization
 * (spectral normalization, or a plugin's) wraps D's weights, constraints run after D's step, an
 * augmentation (DiffAugment) and then input noise transform what D sees, and label smoothing replaces
 * D's cross-entropy. Each kind of regularizer fills one slot here; a new method of an existing kind is
 * one file plus a registry entry.
 */
import type { CarriedObservation, CarriedState, CarriedValues, ParamStore, Rng, tf, WeightOptions } from '@ganbench/core';
import { tf as ops } from '@ganbench/core';
import { IMAGE_DATASET_NAMES } from '@ganbench/data';
import { createLoss, type GanLoss, type LossContext } from '@ganbench/losses';
import {
  type Augmentation,
  type BoundNormalization,
  type BoundRegularizer,
  type Constraint,
  createNormalization,
  createRegularizer,
  type GeneratorPenaltyContext,
  type InputNoise,
  type LabelSmoothing,
  NO_REGULARIZER,
  type PenaltyContext,
  type Reparametrization,
  SMOOTHABLE_LOSSES,
} from '@ganbench/regularizers';
import { LEGACY_SPECTRAL_REGULARIZER, type NamedParams, NO_NORMALIZATION } from '@ganbench/study-folder';

/** What a trial (or a toy) names: a loss, its regularizers in order, and the discriminator's normalization. */
export interface ObjectiveSettings {
  loss: NamedParams;
  regularizers: readonly NamedParams[];
  normalization?: NamedParams;
}

/** What D will be shown, when known: an augmentation needs images, so it is checked against the data before any work. */
export interface ObjectiveData {
  /** How messages name the data: `dataset 'ring' (2-D points)`. */
  description: string;
  /** Whether every example is an image [H, W, C]. */
  images: boolean;
}

/** A problem with one field of the settings: `regularizers[1]`, `normalization`, `loss`. */
export class ObjectiveError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'ObjectiveError';
  }
}

/**
 * What the loss may see besides the logits (LossContext), with every method's carried scalars under
 * `<method>.<key>`; the objective hands the loss its own.
 */
export type ObjectiveContext = Omit<LossContext, 'state'> & { state: CarriedValues };

export interface Objective {
  loss: GanLoss;
  regularizers: readonly BoundRegularizer[];
  normalization: BoundNormalization;
  /** The one reparametrization of D's weights (the normalization's or a regularizer's), or null. */
  reparametrization: Reparametrization | null;
  /** Whether anything transforms what D sees (an augmentation, instance noise). */
  perturbsInputs: boolean;
  /** Every method's carried scalars before the first step, as `<method>.<key>` (ADA's `ada.p`); empty when none carries any. */
  carried: Readonly<Record<string, number>>;
  /** The loss reads D's features: the model must expose them. */
  needsFeatures: boolean;
  /** The loss reads −logit as an energy ≥ 0: D must be an autoencoder (an architecture flagged `energy`). */
  needsEnergy: boolean;
  /** A penalty perturbs G's latents (zCR): its caller must give `PenaltyContext.generator` and ask `generatorPenalty` on G's steps. */
  needsGenerator: boolean;
  /** After D's loss on each discriminator step: every method's next carried values, and the values it only logs, as `<method>.<key>`. */
  updateCarried(state: CarriedValues, observed: CarriedObservation): Record<string, tf.Tensor>;
  /** The weight transform of one forward pass of D (empty when nothing reparametrizes). */
  weightOptions(params: ParamStore, options: { training: boolean; rng: Rng }): WeightOptions;
  /**
   * What D sees of `x` at discriminator step `step`, drawing from `rng`: the augmentation (DiffAugment) first, then
   * every input-noise regularizer in order; `x` itself when none. Differentiable in `x`. `state`: the carried
   * scalars (absent: their initial values, for callers that carry none).
   */
  perturb(x: tf.Tensor, rng: Rng, step: number, state?: CarriedValues): tf.Tensor;
  /** D's loss on the logits, without penalties: the loss's, or label smoothing's cross-entropy. */
  discriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor, context?: ObjectiveContext): tf.Scalar;
  /** The sum of every penalty that applies on this step; null when none does (lazy penalties on the steps they skip). */
  penalty(context: PenaltyContext): tf.Scalar | null;
  generatorLoss(fakeLogits: tf.Tensor, realLogits: tf.Tensor, context?: ObjectiveContext): tf.Scalar;
  /** The sum of the penalties' generator-side terms (zCR's) on a generator step, added to G's loss; null when none applies. */
  generatorPenalty(context: GeneratorPenaltyContext): tf.Scalar | null;
  /** Every constraint on D's variables, in order, after its step. */
  constrain(variables: readonly tf.Variable[]): void;
}

const describe = (i: number) => `regularizers[${i}]`;

/** The sum of a step's penalty terms, null when there are none; called inside a player's tape and scope, which keep and free them. */
export function sumOfTerms(terms: readonly tf.Scalar[]): tf.Scalar | null {
  if (terms.length === 0) return null;
  return terms.length === 1 ? (terms[0] as tf.Scalar) : (ops.addN(terms as tf.Scalar[]) as tf.Scalar);
}

/**
 * Builds the objective, failing before any work on an unknown name, a bad hyperparameter, or a
 * combination that cannot be meant: a regularizer listed twice, label smoothing with a loss that is not
 * a sigmoid cross-entropy (nothing to smooth), two label smoothings, two reparametrizations of the
 * discriminator's weights (a normalization counts as one), two augmentations, or an augmentation (or a
 * penalty that augments images, bcr) of data that are not images (when `data` says what D will see).
 */
export function compileObjective(settings: ObjectiveSettings, data?: ObjectiveData): Objective {
  let loss: GanLoss;
  try {
    loss = createLoss(settings.loss.name, settings.loss.params);
  } catch (error) {
    throw new ObjectiveError('loss', (error as Error).message.replace(/^loss:\s*/, ''));
  }
  const normalizationSetting = settings.normalization ?? NO_NORMALIZATION;
  let normalization: BoundNormalization;
  try {
    normalization = createNormalization(normalizationSetting.name, normalizationSetting.params);
  } catch (error) {
    throw new ObjectiveError('normalization', (error as Error).message.replace(/^normalization:\s*/, ''));
  }
  const regularizers: BoundRegularizer[] = [];
  const seen = new Map<string, number>();
  for (const [i, setting] of settings.regularizers.entries()) {
    const field = describe(i);
    if (setting.name === NO_REGULARIZER)
      throw new ObjectiveError(field, `'${NO_REGULARIZER}' is not allowed in a list; an empty list (or regularizer: none) means no regularizer`);
    if (setting.name === LEGACY_SPECTRAL_REGULARIZER)
      throw new ObjectiveError(
        field,
        `'${LEGACY_SPECTRAL_REGULARIZER}' is not allowed; spectral normalization is the normalization axis: normalization: spectral`,
      );
    const first = seen.get(setting.name);
    if (first !== undefined)
      throw new ObjectiveError(field, `'${setting.name}' is already regularizers[${first}]; allowed: each regularizer once (give its hyperparameters there)`);
    seen.set(setting.name, i);
    try {
      regularizers.push(createRegularizer(setting.name, setting.params));
    } catch (error) {
      throw new ObjectiveError(field, (error as Error).message.replace(/^regularizer:\s*/, ''));
    }
  }

  const of = <K extends BoundRegularizer['kind']>(kind: K) => regularizers.filter((r): r is Extract<BoundRegularizer, { kind: K }> => r.kind === kind);
  const index = (r: BoundRegularizer) => regularizers.indexOf(r);
  const penalties = of('penalty');
  const constraints: Constraint[] = of('constraint');
  const noises: InputNoise[] = of('input-noise');
  const smoothings = of('label-smoothing');
  const reparametrizations = of('reparametrization');
  const augmentations = of('augmentation');

  const augmentation: (Augmentation & { name: string }) | undefined = augmentations[0];
  if (augmentations.length > 1)
    throw new ObjectiveError(
      describe(index(augmentations[1] as BoundRegularizer)),
      `'${augmentations[1]?.name}' augments D's inputs, which '${augmentation?.name}' already does; allowed: one augmentation`,
    );
  // An augmentation needs images, and so does a penalty that augments them itself (bCR).
  const imageOnly = regularizers.find((r) => r.kind === 'augmentation' || (r.kind === 'penalty' && r.images === true));
  if (imageOnly !== undefined && data !== undefined && !data.images)
    throw new ObjectiveError(
      describe(index(imageOnly)),
      `'${imageOnly.name}' augments images, and ${data.description} has none; allowed: an image dataset (${IMAGE_DATASET_NAMES.join(', ')})`,
    );

  const smoothing: (LabelSmoothing & { name: string }) | undefined = smoothings[0];
  if (smoothings.length > 1)
    throw new ObjectiveError(
      describe(index(smoothings[1] as BoundRegularizer)),
      `'${smoothings[1]?.name}' smooths the labels, which '${smoothing?.name}' already does; allowed: one label smoothing`,
    );
  if (smoothing !== undefined && !(SMOOTHABLE_LOSSES as readonly string[]).includes(loss.name))
    throw new ObjectiveError(
      describe(index(smoothing as BoundRegularizer)),
      `'${smoothing.name}' needs a loss with labels, a sigmoid cross-entropy (${SMOOTHABLE_LOSSES.join(', ')}); loss '${loss.name}' has none`,
    );
  const weightOwners: { field: string; what: string; reparametrization: Reparametrization }[] = [];
  if (normalization.reparametrization !== null)
    weightOwners.push({ field: 'normalization', what: `normalization '${normalization.name}'`, reparametrization: normalization.reparametrization });
  for (const r of reparametrizations) weightOwners.push({ field: describe(index(r)), what: `regularizer '${r.name}'`, reparametrization: r });
  if (weightOwners.length > 1) {
    const [first, second] = weightOwners as [(typeof weightOwners)[0], (typeof weightOwners)[0]];
    throw new ObjectiveError(
      second.field,
      `${second.what} reparametrizes the discriminator's weights, which ${first.what} already does; allowed: one reparametrization of a weight`,
    );
  }
  const reparametrization = weightOwners[0]?.reparametrization ?? null;

  // Each method that carries state, under the name it was registered with: `began.k`, `ada.p`, `lecam.real`.
  const carriers: { owner: string; carried: CarriedState }[] = [
    ...(loss.carried === undefined ? [] : [{ owner: loss.name, carried: loss.carried }]),
    ...regularizers.flatMap((r) => ('carried' in r && r.carried !== undefined ? [{ owner: r.name, carried: r.carried }] : [])),
  ];
  const carried = Object.fromEntries(carriers.flatMap(({ owner, carried }) => Object.entries(carried.initial).map(([key, v]) => [`${owner}.${key}`, v])));
  // A caller that carries nothing (the Dirac-GAN's field, a test) gets the initial values as constants.
  let initialValues: CarriedValues | null = null;
  const withInitial = (state: CarriedValues | undefined): CarriedValues => {
    if (state !== undefined) return state;
    if (carriers.length === 0) return {};
    initialValues ??= Object.fromEntries(Object.entries(carried).map(([key, v]) => [key, ops.keep(ops.scalar(v))]));
    return initialValues;
  };
  const own = (owner: string, state: CarriedValues): CarriedValues =>
    Object.fromEntries(Object.entries(state).flatMap(([key, v]) => (key.startsWith(`${owner}.`) ? [[key.slice(owner.length + 1), v]] : [])));
  const lossContext = (context: ObjectiveContext | undefined): LossContext | undefined =>
    context === undefined ? undefined : { ...context, state: own(loss.name, context.state) };

  return {
    loss,
    regularizers,
    normalization,
    reparametrization,
    perturbsInputs: augmentation !== undefined || noises.length > 0,
    carried,
    needsFeatures: loss.needsFeatures === true,
    needsEnergy: loss.needsEnergy === true,
    needsGenerator: penalties.some((p) => p.needsGenerator === true),
    updateCarried(state, observed) {
      const next: Record<string, tf.Tensor> = {};
      for (const { owner, carried } of carriers)
        for (const [key, value] of Object.entries(carried.update(own(owner, state), observed))) next[`${owner}.${key}`] = value;
      return next;
    },
    weightOptions: (params, options) => (reparametrization === null ? {} : { weightTransform: reparametrization.weightTransform(params, options) }),
    perturb(x, rng, step, state) {
      // Called inside the step's scope, which frees the intermediate tensors. The augmentation runs first whatever the
      // order listed, so the noise covers what it pads and cuts out (D cannot tell reals by noise-free patches).
      const augmented = augmentation === undefined ? x : augmentation.augment(x, rng, step, own(augmentation.name, withInitial(state)));
      return noises.reduce((out, noise) => noise.perturb(out, rng, step), augmented);
    },
    discriminatorLoss: (real, fake, context) =>
      smoothing === undefined ? loss.discriminatorLoss(real, fake, lossContext(context)) : smoothing.discriminatorLoss(real, fake),
    penalty(context) {
      const state = withInitial(Object.keys(context.state).length === 0 ? undefined : context.state);
      return sumOfTerms(penalties.flatMap((p) => p.penalty({ ...context, state: own(p.name, state) }) ?? []));
    },
    generatorLoss: (fake, real, context) => loss.generatorLoss(fake, real, lossContext(context)),
    generatorPenalty(context) {
      return sumOfTerms(penalties.flatMap((p) => p.generatorPenalty?.(context) ?? []));
    },
    constrain(variables) {
      for (const c of constraints) c.apply(variables);
    },
  };
}
