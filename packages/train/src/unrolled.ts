/**
 * Unrolled GAN (Metz et al. 2017): the generator's loss is taken against the discriminator after k
 * surrogate steps, θ_D^i = θ_D^{i−1} − η ∇_{θ_D} L_D(θ_G, θ_D^{i−1}), i = 1…k, θ_D^0 = θ_D, and its gradient
 * is taken through those steps (second order: ∂θ_D^k/∂θ_G). The real discriminator is updated by its
 * normal step only; the surrogate parameters are tensors of the generator step's tape, never assigned.
 *
 * The surrogate steps are plain gradient steps at the discriminator optimizer's learning rate η, not the
 * optimizer's own update: Adam's step m̂/(√v̂ + ε) divides out the gradient's scale, so through fresh
 * moments its derivative in θ_G is nearly zero, and through the live moments it needs the optimizer's
 * slots as differentiable state, which tfjs's optimizers keep private. Metz et al. unroll Adam itself;
 * this is the simpler, documented variant (their unrolling recursion with a plain gradient step).
 */
import type { ParamStore, tf } from '@ganbench/core';
import { tf as ops } from '@ganbench/core';
import type { ForwardOptions, GanModel } from './ganTrainer.js';
import { type Objective, ObjectiveError } from './objective.js';

export const UNROLLED_STEPS_FIELD = 'training.unrolledSteps';

/** What can be unrolled with: the loss and label smoothing (both part of D's loss); nothing else acts on D's surrogate steps. */
const ALLOWED = "allowed with unrolled steps: a loss, label smoothing, normalization 'none' or 'layer'";

/**
 * Fails before any work on a step count that is not an integer ≥ 0, or, when k > 0, on regularizers the
 * surrogate steps would have to reproduce: penalties (a third derivative), constraints and input noise
 * (state and draws outside D's loss), reparametrizations and batch normalization (state that a forward
 * pass updates).
 */
export function validateUnrolledSteps(unrolledSteps: number, objective: Objective, field = UNROLLED_STEPS_FIELD): void {
  if (!Number.isInteger(unrolledSteps) || unrolledSteps < 0)
    throw new ObjectiveError(field, `${unrolledSteps} is not allowed; must be an integer ≥ 0 (0: the plain generator step)`);
  if (unrolledSteps === 0) return;
  if (objective.normalization.reparametrization !== null || objective.normalization.name === 'batch')
    throw new ObjectiveError(
      field,
      `${unrolledSteps} cannot be combined with normalization '${objective.normalization.name}' (state its forward pass updates); ${ALLOWED}`,
    );
  for (const [i, r] of objective.regularizers.entries())
    if (r.kind !== 'label-smoothing')
      throw new ObjectiveError(field, `${unrolledSteps} cannot be combined with regularizers[${i}] '${r.name}' (a ${r.kind}); ${ALLOWED}`);
}

/** `base` with its trainable parameters read from `values` (the surrogate θ_D^i); everything else is `base`'s. */
function paramsView(base: ParamStore, values: ReadonlyMap<string, tf.Tensor>): ParamStore {
  const view = Object.create(base) as ParamStore;
  view.get = (name: string) => (values.get(name) ?? base.get(name)) as tf.Variable;
  return view;
}

export interface UnrollSettings {
  steps: number;
  /** η of the surrogate steps: the discriminator optimizer's learning rate. */
  learningRate: number;
  batchSize: number;
  /** Real and latent batches for each surrogate step, drawn in order. */
  sampleReal: (n: number) => tf.Tensor;
  latent: (n: number) => tf.Tensor;
  /** D's forward options on the surrogate steps (training mode, no weight transform). */
  options: ForwardOptions;
}

/**
 * The discriminator's parameters after `steps` surrogate gradient steps, as a parameter store whose
 * trainable entries are tensors depending on the generator's variables (call it inside the generator
 * step's tape, which then differentiates through them). The intermediates belong to the caller's scope.
 */
export function unrollDiscriminator(model: GanModel, objective: Objective, settings: UnrollSettings): ParamStore {
  const base = model.discriminatorParams;
  const names = base.names().filter((name) => base.get(name).trainable);
  if (names.length < base.names().length)
    throw new ObjectiveError(
      UNROLLED_STEPS_FIELD,
      `${settings.steps} cannot be used with a discriminator that carries non-trainable state (${base
        .names()
        .filter((n) => !names.includes(n))
        .join(', ')}); ${ALLOWED}`,
    );
  let values = new Map<string, tf.Tensor>(names.map((name) => [name, base.get(name)]));
  for (let i = 0; i < settings.steps; i++) {
    const real = settings.sampleReal(settings.batchSize);
    const fake = model.generate(model.generatorParams, settings.latent(settings.batchSize), settings.options);
    const current = names.map((name) => values.get(name) as tf.Tensor);
    // tf.grads inside the generator's tape records the backward pass too, so θ_D^i stays differentiable in θ_G.
    const grads = ops.grads((...weights: tf.Tensor[]) => {
      const view = paramsView(base, new Map(names.map((name, j) => [name, weights[j] as tf.Tensor])));
      const discriminator = (x: tf.Tensor) => model.discriminate(view, x, settings.options);
      return objective.discriminatorLoss(discriminator(real), discriminator(fake));
    })(current);
    values = new Map(names.map((name, j) => [name, ops.sub(current[j] as tf.Tensor, ops.mul(grads[j] as tf.Tensor, settings.learningRate))]));
  }
  return paramsView(base, values);
}
