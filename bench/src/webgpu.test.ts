import { Rng, tf } from '@ganbench/core';
import { expectClose, onCpuAndWebgpu, webgpuSkipReason } from '@ganbench/core/testing';
import { describe, expect, it } from 'vitest';
import { createDcganTrainer, type DcganStepConfig } from './dcganStep.js';

const skipReason = await webgpuSkipReason();

// The benchmark's DCGAN (28×28×1, transposed convs and batch norm in G, strided convs in D) at a width for CI, with WGAN-GP.
const SMALL: DcganStepConfig = { batch: 4, zDim: 8, width: 4, penalty: 'gp', gpWeight: 10 };

describe.skipIf(skipReason !== null)('a DCGAN training step on webgpu agrees with cpu', () => {
  it('two steps with the gradient penalty: the same losses and the same weights after', async () => {
    const { cpu, webgpu } = await onCpuAndWebgpu(async () => {
      const trainer = createDcganTrainer(SMALL, new Rng(3));
      const losses: number[] = [];
      for (let step = 0; step < 2; step++) {
        const { dLoss, gLoss } = await trainer.stepAsync();
        losses.push(dLoss, gLoss);
      }
      const weights = [...trainer.discriminator.trainableVariables(), ...trainer.generator.trainableVariables()].map((v) => tf.clone(v));
      trainer.dispose();
      return [tf.tensor1d(losses), ...weights];
    });
    expect(cpu.length).toBeGreaterThan(8);
    expect((cpu[0] as number[]).every(Number.isFinite)).toBe(true);
    expectClose(webgpu[0] as number[], cpu[0] as number[], { rtol: 1e-4, atol: 1e-5 }, 'D and G losses');
    // Adam moves each weight by about the learning rate, 2e-4: agreement well inside that means the same step.
    for (let i = 1; i < cpu.length; i++) expectClose(webgpu[i] as number[], cpu[i] as number[], { rtol: 1e-4, atol: 2e-6 }, `weight ${i}`);
  });

  it('no tensors leak across webgpu steps', async () => {
    const trainer = createDcganTrainer(SMALL, new Rng(4));
    const counts: number[] = [];
    for (let step = 0; step < 4; step++) {
      await trainer.stepAsync();
      counts.push(tf.memory().numTensors);
    }
    expect(tf.getBackend()).toBe('webgpu');
    expect(counts.at(-1)).toBe(counts[1]);
    trainer.dispose();
  });
});
