import { initBackend } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIRAC_DEFAULTS, type DiracConfig } from './dirac.js';
import { type Complex, diracEigenvalues, diracJacobianByAutograd } from './diracJacobian.js';

const config = (overrides: Partial<DiracConfig>): DiracConfig => ({ ...DIRAC_DEFAULTS, ...overrides });
const sorted = (values: [Complex, Complex] | null) => [...(values ?? [])].sort((a, b) => b[1] - a[1] || b[0] - a[0]);
/** λ = a ± √(a² − ¼) as the paper writes it, complex where the root is. */
const pair = (a: number, discriminant: number): Complex[] =>
  discriminant >= 0
    ? [
        [a + Math.sqrt(discriminant), 0],
        [a - Math.sqrt(discriminant), 0],
      ]
    : [
        [a, Math.sqrt(-discriminant)],
        [a, -Math.sqrt(-discriminant)],
      ];

describe('Dirac-GAN Jacobian eigenvalues at the equilibrium (Mescheder et al. 2018, Sec. 2–3)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  const gamma = 0.3;
  const sigma = 0.7;
  it.each([
    ['minimax, f′(0) = ½: ±½i', { loss: { name: 'minimax', params: {} } }, pair(0, -0.25)],
    ['non-saturating: the same ±½i', {}, pair(0, -0.25)],
    ['WGAN: ±i', { loss: { name: 'wasserstein', params: {} } }, pair(0, -1)],
    [
      'WGAN with clipping: ±i (clip inactive)',
      { loss: { name: 'wasserstein', params: {} }, regularizer: { name: 'weight-clipping', params: { c: 1 } } },
      pair(0, -1),
    ],
    ['R1 γ = 0.3: −γ/2 ± √(γ²/4 − ¼)', { regularizer: { name: 'r1', params: { gamma } } }, pair(-gamma / 2, gamma ** 2 / 4 - 0.25)],
    ['R1 at the critical γ = 1: a double real eigenvalue −½', { regularizer: { name: 'r1', params: { gamma: 1 } } }, pair(-0.5, 0)],
    ['R2 γ = 0.3: as R1', { loss: { name: 'minimax', params: {} }, regularizer: { name: 'r2', params: { gamma } } }, pair(-gamma / 2, gamma ** 2 / 4 - 0.25)],
    ['instance noise σ: −σ²/4 ± √(σ⁴/16 − ¼)', { regularizer: { name: 'instance-noise', params: { sigma } } }, pair(-(sigma ** 2) / 4, sigma ** 4 / 16 - 0.25)],
    ['consensus γ = 1: −γ/4 ± ½i', { optimizer: 'consensus', consensusGamma: 1 }, pair(-0.25, -0.25)],
  ] as const)('%s', (_, overrides, expected) => {
    const { eigenvalues } = diracEigenvalues(config(overrides as Partial<DiracConfig>));
    const got = sorted(eigenvalues);
    expected.forEach(([re, im], i) => {
      expect(got[i]?.[0]).toBeCloseTo(re, 6);
      expect(got[i]?.[1]).toBeCloseTo(im, 6);
    });
  });

  it('WGAN-GP has no eigenvalues at (0, 0): it is not a stationary point, and the note says so', () => {
    const result = diracEigenvalues(
      config({ loss: { name: 'wasserstein', params: {} }, regularizer: { name: 'gradient-penalty', params: { lambda: 0.35, target: 1 } } }),
    );
    expect(result.eigenvalues).toBeNull();
    expect(result.note).toMatch(/not a stationary point/);
  });

  it.each([
    ['minimax', { loss: { name: 'minimax', params: {} } }, 1e-6],
    ['hinge', { loss: { name: 'hinge', params: {} } }, 1e-6],
    ['least-squares', { loss: { name: 'least-squares', params: {} } }, 1e-6],
    ['relativistic average', { loss: { name: 'relativistic-average', params: {} } }, 1e-6],
    ['R1', { regularizer: { name: 'r1', params: { gamma: 0.7 } } }, 1e-6],
    ['R2 with the minimax loss', { loss: { name: 'minimax', params: {} }, regularizer: { name: 'r2', params: { gamma: 0.7 } } }, 1e-6],
    ['label smoothing', { regularizer: { name: 'label-smoothing', params: { realLabel: 0.9 } } }, 1e-6],
    [
      'WGAN-GP with target 0',
      { loss: { name: 'wasserstein', params: {} }, regularizer: { name: 'gradient-penalty', params: { lambda: 0.35, target: 0 } } },
      1e-6,
    ],
    ['consensus on top of R1', { regularizer: { name: 'r1', params: { gamma: 0.3 } }, optimizer: 'consensus', consensusGamma: 0.5 }, 1e-6],
    // The Monte Carlo mean over 2¹⁶ antithetic draws estimates E[ε²] to about 0.6%.
    ['instance noise', { regularizer: { name: 'instance-noise', params: { sigma: 0.7 } }, noiseSamples: 65536 }, 3e-3],
  ] as const)('the closed form matches the Jacobian autograd takes through the whole game: %s', (_, overrides, tolerance) => {
    const c = config(overrides as Partial<DiracConfig>);
    const closed = diracEigenvalues(c).jacobian;
    const numerical = diracJacobianByAutograd(c);
    expect(closed).not.toBeNull();
    for (const i of [0, 1]) for (const j of [0, 1]) expect(Math.abs((closed?.[i]?.[j] ?? NaN) - (numerical[i]?.[j] ?? NaN))).toBeLessThan(tolerance);
  });

  it('several regularizers compile into one objective whose damping is the sum of theirs: R1 γ₁ + R2 γ₂ gives the eigenvalues of R1 at γ₁ + γ₂', () => {
    const both = config({
      regularizers: [
        { name: 'r1', params: { gamma: 0.2 } },
        { name: 'r2', params: { gamma: 0.1 } },
      ],
    });
    const closed = diracEigenvalues(both);
    expect(sorted(closed.eigenvalues)).toEqual(pair(-gamma / 2, gamma ** 2 / 4 - 0.25).map(([re, im]) => [expect.closeTo(re, 9), expect.closeTo(im, 9)]));
    // The closed form against the Jacobian autograd takes through the compiled objective.
    const numerical = diracJacobianByAutograd(both);
    for (const i of [0, 1]) for (const j of [0, 1]) expect(Math.abs((closed.jacobian?.[i]?.[j] ?? NaN) - (numerical[i]?.[j] ?? NaN))).toBeLessThan(1e-6);
  });

  it('a penalty without a stationary (0, 0) decides for the whole list', () => {
    const note = diracEigenvalues(
      config({
        regularizers: [
          { name: 'r1', params: { gamma: 1 } },
          { name: 'gradient-penalty', params: { lambda: 2 } },
        ],
      }),
    ).note;
    expect(note).toContain('(0, 0) is not a stationary point');
  });
});
