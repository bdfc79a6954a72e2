/**
 * Unrolled GAN (Metz et al. 2017): the generator's loss is taken against the discriminator after k
 * surrogate steps of the discriminator's own optimizer, θ_D^i = U(θ_D^{i−1}, ∇_{θ_D} L_D(θ_G, θ_D^{i−1}), s^{i−1}),
 * i = 1…k, θ_D^0 = θ_D, s^0 = the optimizer's live slots, and its gradient is taken through those steps
 * (second order: ∂θ_D^k/∂θ_G, through the moments as well as the parameters). The real discriminator and
 * its optimizer are updated by their normal step only; the surrogate parameters and slots are tensors of
 * the generator step's tape, never assigned.
 *
 * As in Metz et al.'s code (Keras Adam's update graph replayed k times from its variables), the slots
 * (Adam's m, v and step count; momentum's accumulator; RMSProp's mean square and moment) start from the
 * optimizer's current values, held constant: they depend on θ_G only through past steps, which the paper
 * does not differentiate either.
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

/** One surrogate step of an optimizer: next values and slots from the current ones and the gradient, as tape tensors. */
type SurrogateStep = (value: tf.Tensor, gradient: tf.Tensor, slots: tf.Tensor[], step: number) => { value: tf.Tensor; slots: tf.Tensor[] };

/** An optimizer slot list as tfjs keeps it (position i belongs to the i-th variable it was given). */
type Slots = ({ variable: tf.Variable } | undefined)[];

/** What tfjs's optimizers keep that their typings mark private or protected. */
interface AdamFields {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Slots;
  accumulatedSecondMoment: Slots;
}
interface MomentumFields {
  learningRate: number;
  momentum: number;
  useNesterov: boolean;
  accumulations: Slots;
}
interface RmsPropFields {
  learningRate: number;
  decay: number;
  momentum: number;
  epsilon: number;
  centered: boolean;
  accumulatedMeanSquares: Slots;
  accumulatedMoments: Slots;
  accumulatedMeanGrads: Slots;
}

/** An optimizer's surrogate step and the slot lists it starts from (read, never written). */
interface Unrolling {
  step: SurrogateStep;
  slots: Slots[];
}

/**
 * The optimizer's own update, op for op as tfjs applies it, so that θ_D^1 is the step the optimizer would
 * take on the same batch. Adam's bias corrections continue from its live step count: tfjs keeps
 * accBeta = β^(t+1) for the next step t + 1, and surrogate step i uses β^(t+1+i).
 */
function unrolling(optimizer: tf.Optimizer): Unrolling {
  // By class name: tfjs's optimizers answer instanceof for every optimizer class (Symbol.hasInstance
  // checks for the Optimizer methods only); FusedAdamOptimizer keeps Adam's.
  const kind = optimizer.getClassName();
  if (kind === 'Adam') {
    const o = optimizer as unknown as AdamFields;
    return {
      slots: [o.accumulatedFirstMoment, o.accumulatedSecondMoment],
      step: (value, gradient, [m, v], i) => {
        const nextM = ops.add(ops.mul(m as tf.Tensor, o.beta1), ops.mul(gradient, 1 - o.beta1));
        const nextV = ops.add(ops.mul(v as tf.Tensor, o.beta2), ops.mul(ops.square(gradient), 1 - o.beta2));
        const mHat = ops.div(nextM, ops.sub(1, ops.mul(o.accBeta1, o.beta1 ** i)));
        const vHat = ops.div(nextV, ops.sub(1, ops.mul(o.accBeta2, o.beta2 ** i)));
        // √ has an infinite derivative at 0, and v̂ is exactly 0 where D's gradient has always been (a dead
        // unit): 0·∞ would make G's gradient NaN. Below 1e-30 (√ 1e-15, far under ε) the slope is cut instead.
        const root = ops.sqrt(ops.maximum(vHat, 1e-30));
        return { value: ops.add(ops.mul(ops.div(mHat, ops.add(root, o.epsilon)), -o.learningRate), value), slots: [nextM, nextV] };
      },
    };
  }
  if (kind === 'Momentum') {
    const o = optimizer as unknown as MomentumFields;
    return {
      slots: [o.accumulations],
      step: (value, gradient, [accumulation]) => {
        const next = ops.add(ops.mul(accumulation as tf.Tensor, o.momentum), gradient);
        const direction = o.useNesterov ? ops.add(gradient, ops.mul(next, o.momentum)) : next;
        return { value: ops.add(ops.mul(direction, -o.learningRate), value), slots: [next] };
      },
    };
  }
  if (kind === 'SGD') {
    const { learningRate } = optimizer as unknown as { learningRate: number };
    return { slots: [], step: (value, gradient) => ({ value: ops.add(ops.mul(gradient, -learningRate), value), slots: [] }) };
  }
  if (kind === 'RMSProp') {
    const o = optimizer as unknown as RmsPropFields;
    return {
      slots: o.centered ? [o.accumulatedMeanSquares, o.accumulatedMoments, o.accumulatedMeanGrads] : [o.accumulatedMeanSquares, o.accumulatedMoments],
      step: (value, gradient, [meanSquare, moments, meanGrad]) => {
        const nextSquare = ops.add(ops.mul(meanSquare as tf.Tensor, o.decay), ops.mul(ops.square(gradient), 1 - o.decay));
        const nextGrad = o.centered ? ops.add(ops.mul(meanGrad as tf.Tensor, o.decay), ops.mul(gradient, 1 - o.decay)) : null;
        const scale = nextGrad === null ? ops.add(nextSquare, o.epsilon) : ops.sub(nextSquare, ops.add(ops.square(nextGrad), o.epsilon));
        const nextMoments = ops.add(ops.mul(moments as tf.Tensor, o.momentum), ops.div(ops.mul(gradient, o.learningRate), ops.sqrt(scale)));
        return { value: ops.sub(value, nextMoments), slots: nextGrad === null ? [nextSquare, nextMoments] : [nextSquare, nextMoments, nextGrad] };
      },
    };
  }
  throw new ObjectiveError(UNROLLED_STEPS_FIELD, `cannot unroll the discriminator's optimizer ${kind}; unrolled steps replay adam, sgd, momentum or rmsprop`);
}

export interface UnrollSettings {
  steps: number;
  /**
   * The discriminator's optimizer (the trainer's, after its step): its update and live slots define the
   * surrogate steps. Only read.
   */
  optimizer: tf.Optimizer;
  batchSize: number;
  /** Real and latent batches for each surrogate step, drawn in order. */
  sampleReal: (n: number) => tf.Tensor;
  latent: (n: number) => tf.Tensor;
  /** D's forward options on the surrogate steps (training mode, no weight transform). */
  options: ForwardOptions;
}

/**
 * The discriminator's parameters after `steps` surrogate steps of its optimizer, as a parameter store
 * whose trainable entries are tensors depending on the generator's variables (call it inside the
 * generator step's tape, which then differentiates through them). The intermediates belong to the
 * caller's scope.
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
  const { step, slots } = unrolling(settings.optimizer);
  // tfjs applies slots by position in the variable list it was given, the trainer's trainableVariables()
  // (these names, in this order); their names are a checkpoint's after a resume, so positions are what holds.
  let state: tf.Tensor[][] = names.map((name, j) =>
    slots.map((list): tf.Tensor => {
      const variable = base.get(name);
      const slot = list[j]?.variable;
      if (slot === undefined) return ops.zerosLike(variable);
      if (!ops.util.arraysEqual(slot.shape, variable.shape))
        throw new Error(`unrolled steps: optimizer slot ${j} has shape [${slot.shape}], discriminator parameter '${name}' [${variable.shape}]`);
      return slot;
    }),
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
    const next = names.map((_, j) => step(current[j] as tf.Tensor, grads[j] as tf.Tensor, state[j] as tf.Tensor[], i));
    values = new Map(names.map((name, j) => [name, (next[j] as ReturnType<SurrogateStep>).value]));
    state = next.map((n) => n.slots);
  }
  return paramsView(base, values);
}
