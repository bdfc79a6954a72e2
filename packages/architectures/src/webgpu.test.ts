import { Rng, tf } from '@ganbench/core';
import { expectClose, onCpuAndWebgpu, webgpuSkipReason } from '@ganbench/core/testing';
import { createLoss } from '@ganbench/losses';
import { createRegularizer, type PenaltyContext, penaltyContext } from '@ganbench/regularizers';
import { describe, expect, it } from 'vitest';
import { getArchitecture, listArchitectures, resolveArchitectureOptions } from './index.js';

const skipReason = await webgpuSkipReason();

/** 32×32×1 images (the smallest every image architecture accepts), batch 2, width 4: every layer kind of each architecture at a size the software adapter runs in seconds. */
const SHAPE = [32, 32, 1];
const BATCH = 2;

function tinyOptions(name: string) {
  const { options } = getArchitecture(name);
  return resolveArchitectureOptions(name, {
    ...('width' in options ? { width: 4 } : {}),
    ...('batchSize' in options ? { batchSize: BATCH } : {}),
    ...('imagesPerPhase' in options ? { imagesPerPhase: 0 } : {}),
  });
}

/**
 * The recommended loss with the WGAN-GP penalty (second order through every D layer) and its gradient in D's
 * weights, then the generator's loss (with its own penalty where it has one: StyleGAN2's path length) and its
 * gradient in G's weights.
 */
function stepGradients(name: string): tf.Tensor[] {
  return tf.tidy(() => {
    const architecture = getArchitecture(name);
    const rng = new Rng(9);
    const dataShape = name === 'mlp' ? [2] : SHAPE;
    const model = architecture.build(name === 'mlp' ? resolveArchitectureOptions(name, {}) : tinyOptions(name), { dataShape }, rng.fork('model'));
    const loss = createLoss(architecture.recommended?.loss.name ?? 'non-saturating', architecture.recommended?.loss.params ?? {});
    const penalty = createRegularizer('gradient-penalty', {});
    if (penalty.kind !== 'penalty') throw new Error('gradient-penalty is not a penalty');
    const real = rng.fork('data').uniformTensor([BATCH, ...dataShape], -1, 1);
    const z = rng.fork('z').normalTensor([BATCH, model.latentDim]);
    const options = { training: true, step: 0, rng: rng.fork('forward') };
    const discriminator = (x: tf.Tensor) => model.discriminate(model.discriminatorParams, x, options);
    const d = tf.variableGrads(() => {
      const fake = model.generate(model.generatorParams, z, options);
      const base = loss.discriminatorLoss(discriminator(real), discriminator(fake));
      const context: PenaltyContext = penaltyContext({ discriminator, real, fake, rng: rng.fork('penalty'), step: 0 });
      return tf.add(base, penalty.penalty(context) as tf.Scalar) as tf.Scalar;
    }, model.discriminatorParams.trainableVariables());
    const g = tf.variableGrads(() => {
      const fake = model.generate(model.generatorParams, z, options);
      const value = loss.generatorLoss(discriminator(fake), discriminator(real));
      const extra = model.generatorPenalty?.(model.generatorParams, z, { step: 0, rng: rng.fork('path') }) ?? null;
      return (extra === null ? value : tf.add(value, extra)) as tf.Scalar;
    }, model.generatorParams.trainableVariables());
    const out = [d.value, g.value, ...Object.values(d.grads), ...Object.values(g.grads)];
    model.generatorParams.dispose();
    model.discriminatorParams.dispose();
    return out;
  });
}

describe.skipIf(skipReason !== null)('every architecture on webgpu agrees with cpu: losses and first- and second-order gradients', () => {
  it('covers the registry', () => {
    expect(listArchitectures().map((a) => a.name)).toEqual(expect.arrayContaining(['mlp', 'dcgan', 'sagan', 'progan', 'stylegan2']));
  });

  for (const { name } of listArchitectures()) {
    it(name, async () => {
      const { cpu, webgpu } = await onCpuAndWebgpu(() => stepGradients(name));
      expect(webgpu.length).toBe(cpu.length);
      for (let i = 0; i < cpu.length; i++) expectClose(webgpu[i] as number[], cpu[i] as number[], { rtol: 1e-3, atol: 1e-4 }, `${name}: output ${i}`);
    });
  }
});
