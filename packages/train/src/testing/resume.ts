/** Test helper: a trainer run straight, against the same run checkpointed mid-way and resumed into a fresh model and trainer. */
import { tf as ops, type tf } from '@ganbench/core';
import type { GanModel, GanTrainer, StepLosses } from '../ganTrainer.js';

export interface ResumeSetup {
  /** A model initialized from `seed`; the resumed run's is overwritten with the checkpointed weights. */
  model(seed: number): GanModel;
  trainer(model: GanModel, seed: number): GanTrainer;
  real(n: number): tf.Tensor;
}

export interface TrainedRun {
  losses: StepLosses[];
  /** Every G then D parameter's values after the run. */
  weights: number[][];
}

export interface ResumeComparison {
  straight: TrainedRun;
  /** The steps after the checkpoint, and the weights at the end. */
  resumed: TrainedRun;
  /** The names of the carried scalars in the checkpoint (`carried/<method>.<key>`). */
  carried: string[];
  /** Tensors left behind by the resumed steps (0 when the count stays flat). */
  leaked: number;
}

/** Every G then D parameter's values. */
export const weightsOf = (model: GanModel) =>
  [model.generatorParams, model.discriminatorParams].flatMap((store) => store.names().map((n) => Array.from(store.get(n).dataSync())));

export function disposeAll(model: GanModel, trainer: GanTrainer): void {
  trainer.dispose();
  model.generatorParams.dispose();
  model.discriminatorParams.dispose();
}

/** `steps` steps straight (model seed 1, trainer seed `seed`), and `split` steps, a checkpoint, and the rest resumed from it. */
export async function compareResumed(setup: ResumeSetup, seed: number, steps: number, split: number): Promise<ResumeComparison> {
  const run = (trainer: GanTrainer, n: number) => Array.from({ length: n }, () => trainer.step(setup.real));
  const model = setup.model(1);
  const trainer = setup.trainer(model, seed);
  const straight = { losses: run(trainer, steps), weights: weightsOf(model) };
  disposeAll(model, trainer);

  const first = setup.model(1);
  const before = setup.trainer(first, seed);
  run(before, split);
  const state = await before.state();
  const weights = [...(await first.generatorParams.values()), ...(await first.discriminatorParams.values())];
  disposeAll(first, before);

  // Another initialization and another trainer seed: everything must come from the checkpoint.
  const resumedModel = setup.model(5);
  for (const a of weights) {
    const store = resumedModel.generatorParams.names().includes(a.name) ? resumedModel.generatorParams : resumedModel.discriminatorParams;
    const value = ops.tensor(a.data, a.shape, 'float32');
    store.get(a.name).assign(value);
    value.dispose();
  }
  const after = setup.trainer(resumedModel, 0);
  await after.restore(state);
  const count = ops.memory().numTensors;
  const losses = run(after, steps - split);
  const leaked = ops.memory().numTensors - count;
  const resumed = { losses, weights: weightsOf(resumedModel) };
  disposeAll(resumedModel, after);
  const carried = state.arrays.map((a) => a.name).filter((n) => n.startsWith('carried/'));
  return { straight, resumed, carried, leaked };
}
