import { initBackend } from '@ganbench/core';
import { expectClose, webgpuSkipReason } from '@ganbench/core/testing';
import { describe, expect, it } from 'vitest';
import { DIRAC_DEFAULTS, type DiracConfig, runDirac, runDiracAsync } from './dirac.js';

const skipReason = await webgpuSkipReason();

const STEPS = 40;
/** Unregularized, R1 with consensus optimization (a gradient of a gradient of a gradient), WGAN-GP with alternating steps, weight clipping. */
const CONFIGS: [string, DiracConfig][] = [
  ['non-saturating, no regularizer, simultaneous', { ...DIRAC_DEFAULTS, steps: STEPS }],
  [
    'non-saturating, R1 γ=1, consensus optimization',
    { ...DIRAC_DEFAULTS, steps: STEPS, optimizer: 'consensus', regularizer: { name: 'r1', params: { gamma: 1, every: 1 } } },
  ],
  [
    'wasserstein, WGAN-GP, alternating with 2 D steps',
    {
      ...DIRAC_DEFAULTS,
      steps: STEPS,
      mode: 'alt',
      nDisc: 2,
      loss: { name: 'wasserstein', params: {} },
      regularizer: { name: 'gradient-penalty', params: {} },
    },
  ],
  [
    'wasserstein, weight clipping c=0.5',
    { ...DIRAC_DEFAULTS, steps: STEPS, loss: { name: 'wasserstein', params: {} }, regularizer: { name: 'weight-clipping', params: { c: 0.5 } } },
  ],
];

describe.skipIf(skipReason !== null)('the Dirac-GAN on webgpu follows the cpu trajectory', () => {
  for (const [title, config] of CONFIGS) {
    it(title, async () => {
      await initBackend('cpu');
      const cpu = runDirac(config);
      // The asynchronous loop is the same loop: bit for bit on one backend.
      expect((await runDiracAsync(config)).trajectory).toEqual(cpu.trajectory);
      await initBackend('webgpu');
      const webgpu = await runDiracAsync(config);
      expect(webgpu.trajectory).toHaveLength(STEPS + 1);
      expectClose(webgpu.trajectory.flat(), cpu.trajectory.flat(), { rtol: 1e-4, atol: 1e-6 }, `${title}: (θ, ψ) over ${STEPS} steps`);
      // The run moved: a trajectory stuck at its start would agree trivially.
      expect(cpu.final_distance).not.toBeCloseTo(Math.hypot(...config.init), 2);
    });
  }
});
