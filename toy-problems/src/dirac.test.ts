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

  it('alternating steps: K discriminator steps, then the generator steps at the new ψ', () => {
    const sigma = (x: number) => 1 / (1 + Math.exp(-x));
    const { trajectory } = run({ mode: 'alt', nDisc: 2, steps: 1 });
    let psi = 1;
    for (let k = 0; k < 2; k++) psi -= 0.2 * sigma(psi);
    expect(trajectory[1]?.[1]).toBeCloseTo(psi, 6);
    expect(trajectory[1]?.[0]).toBeCloseTo(1 + 0.2 * psi * sigma(-psi), 6);
  });

  it('consensus optimization adds γ·Jᵀg to the plain step: one step of WGAN from (1, 1) in closed form', () => {
    // WGAN: g = (∂θ L_G, ∂ψ L_D) = (−ψ, θ), J(g) = [[0, −1], [1, 0]], ∇½‖g‖² = (θ, ψ).
    const { trajectory } = run({ loss: { name: 'wasserstein', params: {} }, optimizer: 'consensus', consensusGamma: 0.5, steps: 1, init: [1, 2] });
    expect(trajectory[1]?.[0]).toBeCloseTo(1 - 0.2 * (-2 + 0.5 * 1), 6);
    expect(trajectory[1]?.[1]).toBeCloseTo(2 - 0.2 * (1 + 0.5 * 2), 6);
  });

  it('unregularized simultaneous gradient descent moves away from the equilibrium', () => {
    // Minimax conserves θ² + ψ² in continuous time, so the discrete steps spiral out from anywhere;
    // the non-saturating loss damps far out but still leaves a neighbourhood of (0, 0).
    expect(run({ loss: { name: 'minimax', params: {} }, steps: 300 }).final_distance).toBeGreaterThan(Math.SQRT2);
    expect(run({ init: [0.05, 0.05], steps: 300 }).final_distance).toBeGreaterThan(0.1);
  });

  it.each([
    ['r1', { gamma: 0.3 }],
    ['r2', { gamma: 0.3 }],
    ['instance-noise', { sigma: 0.7 }],
  ] as const)('%s makes simultaneous gradient descent converge to (0, 0) within 1e-2', (reg, regParams) => {
    expect(run({ regularizer: { name: reg, params: regParams } }).final_distance).toBeLessThan(1e-2);
  });

  it('consensus optimization (γ = 1) converges to (0, 0) within 1e-2 under simultaneous and alternating steps', () => {
    expect(run({ optimizer: 'consensus' }).final_distance).toBeLessThan(1e-2);
    expect(run({ optimizer: 'consensus', mode: 'alt' }).final_distance).toBeLessThan(1e-2);
  });

  it('WGAN with weight clipping does not converge', () => {
    expect(run({ loss: { name: 'wasserstein', params: {} }, regularizer: { name: 'weight-clipping', params: { c: 1 } } }).final_distance).toBeGreaterThan(0.1);
  });

  it('bad configuration fails before the first step, naming the field', () => {
    expect(() => run({ mode: 'both' as never })).toThrow('mode: Invalid option: expected one of "sim"|"alt"; got "both"');
    expect(() => run({ lr: 0 })).toThrow('lr: Too small: expected number to be >0; got 0');
    expect(() => run({ optimizer: 'adam' as never })).toThrow('optimizer: Invalid option: expected one of "gd"|"consensus"; got "adam"');
    expect(() => run({ regularizer: { name: 'r1', params: {} } })).toThrow('regularizer r1.gamma: required');
    expect(() => run({ loss: { name: 'hinge', params: {} }, regularizer: { name: 'label-smoothing', params: {} } })).toThrow(
      "'label-smoothing' needs a loss with labels, a sigmoid cross-entropy (minimax, non-saturating); loss 'hinge' has none",
    );
  });
});
