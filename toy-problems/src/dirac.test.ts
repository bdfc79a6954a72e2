import { initBackend } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIRAC_DEFAULTS, type DiracConfig, runDirac } from './dirac.js';

const run = (overrides: Partial<DiracConfig>) => runDirac({ ...DIRAC_DEFAULTS, ...overrides });

describe('Dirac-GAN (Mescheder et al. 2018) on the registered losses and regularizers', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('the first step is a plain gradient step: non-saturating at (1, 1) follows the closed-form gradients', () => {
    // D loss = softplus(−ψ·0) + softplus(ψθ): ∂ψ = θσ(ψθ). G loss = softplus(−ψθ): ∂θ = −ψσ(−ψθ).
    const sigma = (x: number) => 1 / (1 + Math.exp(-x));
    const { trajectory } = run({ steps: 1 });
    expect(trajectory).toHaveLength(2);
    expect(trajectory[1]?.[0]).toBeCloseTo(1 + 0.2 * sigma(-1), 6);
    expect(trajectory[1]?.[1]).toBeCloseTo(1 - 0.2 * sigma(1), 6);
  });

  it('unregularized simultaneous gradient descent moves away from the equilibrium', () => {
    // Minimax conserves θ² + ψ² in continuous time, so the discrete steps spiral out from anywhere;
    // the non-saturating loss damps far out but still leaves a neighbourhood of (0, 0).
    expect(run({ loss: 'minimax', steps: 300 }).final_distance).toBeGreaterThan(Math.SQRT2);
    expect(run({ init: [0.05, 0.05], steps: 300 }).final_distance).toBeGreaterThan(0.1);
  });

  it.each([
    ['r1', { gamma: 0.3 }],
    ['r2', { gamma: 0.3 }],
    ['instance-noise', { sigma: 0.7 }],
  ] as const)('%s makes simultaneous gradient descent converge to (0, 0) within 1e-2', (reg, regParams) => {
    expect(run({ reg, regParams }).final_distance).toBeLessThan(1e-2);
  });

  it('WGAN with weight clipping does not converge', () => {
    expect(run({ loss: 'wasserstein', reg: 'weight-clipping', regParams: { c: 1 } }).final_distance).toBeGreaterThan(0.1);
  });

  it('bad configuration fails before the first step, naming the field', () => {
    expect(() => run({ mode: 'both' as never })).toThrow("mode: 'both' is not allowed; allowed: sim, alt");
    expect(() => run({ lr: 0 })).toThrow('lr: 0 is not allowed');
    expect(() => run({ reg: 'r1' })).toThrow('regularizer r1.gamma: required');
    expect(() => run({ loss: 'hinge', reg: 'label-smoothing' })).toThrow('label-smoothing needs a sigmoid cross-entropy loss');
  });
});
