import { fusedAdam, type NamedArray, tf } from '@ganbench/core';
import { OPTIMIZER_NAMES, type OptimizerConfig } from '@ganbench/study-folder';

/** Adam (Kingma & Ba 2015), RMSProp (Tieleman & Hinton 2012) or SGD with optional heavy-ball momentum. */
export function createOptimizer(config: OptimizerConfig): tf.Optimizer {
  switch (config.name) {
    case 'adam':
      // tfjs's Adam, each variable's update one kernel on cpu and wasm (the same bits).
      return fusedAdam(config.lr, config.beta1, config.beta2);
    case 'rmsprop':
      return tf.train.rmsprop(config.lr, config.decay);
    case 'sgd':
      return config.momentum === 0 ? tf.train.sgd(config.lr) : tf.train.momentum(config.lr, config.momentum);
    default: {
      const name: never = config;
      throw new Error(`optimizer.name: '${(name as { name: string }).name}' is not allowed; use one of ${OPTIMIZER_NAMES.join(', ')}`);
    }
  }
}

/**
 * An optimizer's slots (iteration count, moments) as named arrays for a checkpoint. tfjs keys
 * slots by engine-wide variable names, which differ between processes; it applies them by
 * position, so positions are what we store ('<prefix>/<index>').
 */
export async function optimizerSlots(optimizer: tf.Optimizer, prefix: string): Promise<NamedArray[]> {
  const weights = (await optimizer.getWeights()).map(({ tensor }, i) => ({ name: `${prefix}/${i}`, tensor }));
  for (const [name, power] of Object.entries(biasCorrectionPowers(optimizer))) weights.push({ name: `${prefix}/${name}`, tensor: power });
  return Promise.all(
    weights.map(async ({ name, tensor }) => ({ name, shape: [...tensor.shape], data: (await tensor.data()) as Float32Array, trainable: false })),
  );
}

/**
 * Adam's β₁ᵗ and β₂ᵗ. tfjs multiplies them by β once per step but recomputes them as pow(β, t)
 * in setWeights; the two differ in the last bits of float32, so a resumed run would drift from
 * an uninterrupted one. The checkpoint carries the running products themselves.
 */
function biasCorrectionPowers(optimizer: tf.Optimizer): Record<string, tf.Variable> {
  const adam = optimizer as unknown as { accBeta1?: tf.Variable; accBeta2?: tf.Variable };
  return adam.accBeta1 === undefined || adam.accBeta2 === undefined ? {} : { accBeta1: adam.accBeta1, accBeta2: adam.accBeta2 };
}

/** Restores what `optimizerSlots` saved into a fresh optimizer of the same kind over the same variables. */
export async function restoreOptimizerSlots(optimizer: tf.Optimizer, prefix: string, arrays: readonly NamedArray[]): Promise<void> {
  const mine = arrays.filter((a) => a.name.startsWith(`${prefix}/`));
  const slots = mine
    .filter((a) => /^\d+$/.test(a.name.slice(prefix.length + 1)))
    .map((a) => ({ index: Number(a.name.slice(prefix.length + 1)), array: a }))
    .sort((a, b) => a.index - b.index);
  if (slots.length === 0) return;
  const named = slots.map(({ index, array }) => ({ name: `${prefix}/${index}`, tensor: tf.tensor(array.data, array.shape, 'float32') }));
  await optimizer.setWeights(named);
  // The optimizer's new variables share these tensors' buffers; releasing our handles frees nothing they use.
  tf.dispose(named.map((n) => n.tensor));
  for (const [name, power] of Object.entries(biasCorrectionPowers(optimizer))) {
    const saved = mine.find((a) => a.name === `${prefix}/${name}`);
    if (saved !== undefined) tf.tidy(() => power.assign(tf.scalar(saved.data[0] as number)));
  }
}
