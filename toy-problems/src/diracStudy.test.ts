import { readFileSync } from 'node:fs';
import { initBackend } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDiracStudy, runDiracStudy } from './diracStudy.js';
import { r1EigenvaluePath } from './diracStudyReport.js';

const studyFile = new URL('../../experiments/dirac.yaml', import.meta.url);

describe('the Dirac-GAN study file', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('experiments/dirac.yaml: every row under simultaneous steps converges exactly where the theory says it does', () => {
    const study = parseDiracStudy(readFileSync(studyFile, 'utf8'), 'experiments/dirac.yaml');
    expect(study.runs).toHaveLength(30);
    const simultaneous = { ...study, runs: study.runs.filter((r) => r.column === 'simultaneous') };
    const results = runDiracStudy(simultaneous);
    // Mescheder et al. 2018: no regularization and WGAN (clipping or GP) fail; R1, R2, instance noise and consensus converge.
    const expected: Record<string, boolean> = {
      minimax: false,
      'non-saturating': false,
      'WGAN, clipping c = 1': false,
      'WGAN-GP λ = 0.35': false,
      'instance noise σ = 0.7': true,
      'R1 γ = 0.3': true,
      'R1 γ = 1 (critical)': true,
      'R2 γ = 0.3': true,
      'consensus γ = 1': true,
      'non-saturating + R1 γ = 0.3': true,
    };
    expect(Object.fromEntries(results.map((r) => [r.row, r.converged]))).toEqual(expected);
    // Unregularized simultaneous steps spiral out (continuous time would conserve θ² + ψ²).
    expect(results.find((r) => r.row === 'minimax')?.final_distance).toBeGreaterThan(Math.SQRT2);
  });

  it('a bad entry fails before any run, naming the row, the column and the field', () => {
    const study =
      (rows: string, columns = '[{name: sim, mode: sim}]') =>
      () =>
        parseDiracStudy(`rows: ${rows}\ncolumns: ${columns}\n`, 'study.yaml');
    expect(study('[{name: r1, regularizer: r1}]')).toThrow("study.yaml: row 'r1' under column 'sim': regularizers[0]: regularizer r1.gamma: required");
    expect(study('[{name: a, loss: minimax, lr: -1}]')).toThrow('study.yaml: rows[0].lr: Too small: expected number to be >0; got -1');
    expect(study('[{name: a, los: minimax}]')).toThrow('study.yaml: rows[0].los: unknown key; allowed: name, loss, regularizer,');
    expect(study('[{name: a, reg: r1, d_steps: 2}]')).toThrow(
      'rows[0].reg: unknown key; allowed: name, loss, regularizer, regularizers, optimizer, consensusGamma, mode, nDisc,',
    );
    expect(study('[{loss: minimax}]')).toThrow('study.yaml: rows[0].name: Invalid input: expected string, received undefined; got nothing');
    expect(study('[{name: a}]', '[]')).toThrow('study.yaml: columns: Too small: expected array to have >=1 items; got []');
    expect(study('[{name: a, regularizer: {name: r1, params: {gamma: 1}}}]', '[{name: alt, mode: alt, nDisc: 0}]')).toThrow(
      'study.yaml: columns[0].nDisc: Too small: expected number to be >=1; got 0',
    );
    expect(() => parseDiracStudy('rows: [', 'study.yaml')).toThrow('study.yaml: not valid YAML');
  });

  it('the R1 eigenvalue path: complex conjugates on the circle |λ| = ½ below γ = 1, real and distinct above', () => {
    for (const { gamma, eigenvalues } of r1EigenvaluePath()) {
      const [[re1, im1], [re2, im2]] = eigenvalues;
      expect(re1 + re2).toBeCloseTo(-gamma, 9); // trace −γ
      if (gamma < 1) {
        expect(Math.hypot(re1, im1)).toBeCloseTo(0.5, 9); // det ¼ with conjugate roots
        expect(im1).toBeCloseTo(-im2, 12);
      } else expect(im1 === 0 && im2 === 0 && re1 * re2).toBeCloseTo(0.25, 9);
    }
  });
});
