import type { TrialConfig } from '@ganbench/study-folder';
import { BASE_STUDY, withSearch } from '@ganbench/sweep/testing';
import { describe, expect, it } from 'vitest';
import { drawNumeric, expandStudy } from './expand.js';
import { shortHash, trialId } from './ids.js';
import { parseStudy } from './parse.js';

const expand = (search: string) => expandStudy(parseStudy(withSearch(search), 'tiny.yaml'));
/** The trial's one regularizer (none when its list is empty). */
const reg = (t: TrialConfig | undefined) => t?.regularizers[0] ?? { name: 'none', params: {} };
const cell = (t: TrialConfig) => `${t.loss.name}/${reg(t).name}`;
const count = <T>(items: readonly T[]) => items.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<T, number>());

describe('grid search', () => {
  it('is the Cartesian product of the axes, once per seed (Kurach et al. loss × penalty × normalization)', () => {
    const trials = expand(`  kind: grid
  space:
    loss: [minimax, non-saturating, wasserstein, hinge, least-squares]
    regularizer: [none, gradient-penalty, r1]
    normalization: [none, spectral]
    regularizer.gamma: [1]
`);
    expect(trials).toHaveLength(5 * 3 * 2 * 2);
    expect(new Set(trials.map(trialId)).size).toBe(60);
    const cell3 = (t: TrialConfig) => `${cell(t)}/${t.normalization.name}`;
    expect([...count(trials.map(cell3)).values()]).toEqual(Array(30).fill(2));
    expect(trials.find((t) => t.normalization.name === 'spectral')?.normalization.params).toEqual({ iterations: 1 });
    // Seeds outermost: a study stopped halfway has seen every cell once.
    expect(trials.slice(0, 30).every((t) => t.seed === 0)).toBe(true);
    expect(reg(trials.find((t) => reg(t).name === 'r1')).params.gamma).toBe(1);
    expect(reg(trials.find((t) => reg(t).name === 'gradient-penalty')).params).toEqual({
      lambda: 10,
      target: 1,
      oneSided: false,
      every: 1,
      drift: 0,
    });
    expect(trials.find((t) => t.loss.name === 'least-squares')?.loss.params).toEqual({ a: 0, b: 1, c: 1, sigmoid: false });
  });

  it('an axis can switch the architecture; its options go only to the architectures that declare them', () => {
    // Image architectures on an image dataset: every trial must be able to run (dcgan cannot train on the ring's points).
    const images = BASE_STUDY.replace('dataset: { name: ring }', 'dataset: { name: fashion-mnist, resolution: 32 }')
      .replace('name: mlp\n  options: { gWidth: 32, dWidth: 32 }', 'name: dcgan\n  options: { width: 8, discriminatorBatchNorm: true }')
      .replace('metrics: [modes_covered, frechet_2d]', 'metrics: [fid]');
    const onImages = (search: string) => expandStudy(parseStudy(withSearch(search, images), 'tiny.yaml'));
    const trials = onImages(`  kind: grid
  space:
    variant:
      - { architecture: dcgan }
      - { architecture: sndcgan, architecture.powerIterations: 2, loss: hinge }
    architecture.latentDim: [16]
`).filter((t) => t.seed === 0);
    expect(trials.map((t) => [t.architecture.name, t.loss.name])).toEqual([
      ['dcgan', 'non-saturating'],
      ['sndcgan', 'hinge'],
    ]);
    // The study's options go to the architectures that declare them: width to both, discriminatorBatchNorm to dcgan only.
    expect(trials[0]?.architecture.options).toEqual({
      latentDim: 16,
      width: 8,
      kernelSize: 4,
      discriminatorBatchNorm: true,
      minibatchKernels: 0,
      minibatchKernelDims: 5,
      generatorVirtualBatchNorm: false,
      virtualBatchSize: 64,
    });
    expect(trials[1]?.architecture.options).toEqual({ latentDim: 16, width: 8, powerIterations: 2, minibatchKernels: 0, minibatchKernelDims: 5 });
    expect(() =>
      onImages(`  kind: grid
  space:
    variant: [{ architecture: sndcgan, architecture.kernelSize: 8 }]
`),
    ).toThrow("no architecture 'sndcgan' takes 'kernelSize'");
    expect(() =>
      expand(`  kind: grid
  space:
    architecture: [mlp, resnet]
`),
    ).toThrow('must be a registered architecture: mlp, dcgan');
  });

  it('gives a conditional parameter only to the regularizers that take it, and drops the duplicates that leaves', () => {
    const trials = expand(`  kind: grid
  space:
    regularizer: [none, gradient-penalty, dragan]
    regularizer.lambda: [1, 10]
`).filter((t) => t.seed === 0);
    expect(trials.map((t) => `${reg(t).name}:${reg(t).params.lambda ?? '-'}`)).toEqual([
      'none:-',
      'gradient-penalty:1',
      'gradient-penalty:10',
      'dragan:1',
      'dragan:10',
    ]);
    expect(reg(trials[0]).params).toEqual({});
  });

  it("crosses lists of regularizers ('+'-joined) with a normalization axis; regularizer.<p> goes to each that declares p, regularizers.<name>.<p> to that one", () => {
    const trials = expand(`  kind: grid
  space:
    regularizers: [none, gradient-penalty, gradient-penalty+r1]
    regularizers.r1.gamma: [0.5]
    regularizer.lambda: [3]
    normalization: [none, spectral]
`).filter((t) => t.seed === 0);
    expect(trials.map((t) => `${t.regularizers.map((r) => r.name).join('+') || 'none'}/${t.normalization.name}`)).toEqual([
      'none/none',
      'none/spectral',
      'gradient-penalty/none',
      'gradient-penalty/spectral',
      'gradient-penalty+r1/none',
      'gradient-penalty+r1/spectral',
    ]);
    const both = trials[4]?.regularizers;
    expect(both?.map((r) => [r.name, r.params.lambda, r.params.gamma])).toEqual([
      ['gradient-penalty', 3, undefined],
      ['r1', undefined, 0.5],
    ]);
  });

  it('takes the study default as a list, or one regularizer as a one-element list', () => {
    const listed = expandStudy(
      parseStudy(
        withSearch(
          '  kind: grid\n  space: {}\n',
          `${BASE_STUDY}regularizers: [{ name: gradient-penalty, params: { lambda: 1 } }, dragan]\nnormalization: spectral\n`,
        ),
        'tiny.yaml',
      ),
    );
    expect(listed[0]?.regularizers.map((r) => [r.name, r.params.lambda])).toEqual([
      ['gradient-penalty', 1],
      ['dragan', 1],
    ]);
    expect(listed[0]?.normalization).toEqual({ name: 'spectral', params: { iterations: 1 } });
    const single = expandStudy(
      parseStudy(withSearch('  kind: grid\n  space: {}\n', `${BASE_STUDY}regularizer: { name: r1, params: { gamma: 2 } }\n`), 'tiny.yaml'),
    );
    expect(single[0]?.regularizers).toEqual([{ name: 'r1', params: { gamma: 2, every: 1 } }]);
    expect(single[0]?.normalization).toEqual({ name: 'none', params: {} });
  });

  it('keeps the id a trial had before the normalization axis when the old form can say it (one regularizer, or spectral alone)', () => {
    const [plain, spectral] = expand(`  kind: grid
  space:
    normalization: [none, spectral]
`);
    // …and from before training.unrolledSteps, which is hashed only when it is not 0.
    const { regularizers: _r, normalization: _n, ...rest } = plain as TrialConfig;
    const { unrolledSteps: _u, ...training } = rest.training;
    expect(trialId(plain as TrialConfig)).toBe(shortHash({ ...rest, training, regularizer: { name: 'none', params: {} } }));
    const { regularizers: _r2, normalization: _n2, ...rest2 } = spectral as TrialConfig;
    expect(trialId(spectral as TrialConfig)).toBe(shortHash({ ...rest2, training, regularizer: { name: 'spectral-norm', params: { iterations: 1 } } }));
  });

  it('sets several paths at once from an axis of mappings (Lucic et al. loss variants)', () => {
    const trials = expand(`  kind: grid
  space:
    variant:
      - { loss: minimax }
      - { loss: wasserstein, regularizer: weight-clipping, regularizer.c: 0.01 }
      - { loss: wasserstein, regularizer: gradient-penalty }
    regularizer.lambda: [1, 10]
`).filter((t) => t.seed === 0);
    expect(trials.map(cell)).toEqual(['minimax/none', 'wasserstein/weight-clipping', 'wasserstein/gradient-penalty', 'wasserstein/gradient-penalty']);
    expect(reg(trials[1]).params).toEqual({ c: 0.01 });
    expect(trials.slice(2).map((t) => reg(t).params.lambda)).toEqual([1, 10]);
  });

  it('moves both players with training.optimizer.* unless the discriminator is given its own value (TTUR)', () => {
    const shared = expand(`  kind: grid
  space:
    training.optimizer.lr: [1.0e-4, 3.0e-4]
`).filter((t) => t.seed === 0);
    expect(shared.map((t) => [t.training.optimizer.lr, t.training.discriminatorOptimizer.lr])).toEqual([
      [1e-4, 1e-4],
      [3e-4, 3e-4],
    ]);
    const ttur = expand(`  kind: grid
  space:
    training.optimizer.lr: [1.0e-4]
    training.optimizer.beta1: [0, 0.5]
    training.discriminatorOptimizer.lr: [4.0e-4]
`).filter((t) => t.seed === 0);
    expect(ttur.map((t) => [t.training.optimizer, t.training.discriminatorOptimizer])).toEqual([
      [
        { name: 'adam', lr: 1e-4, beta1: 0, beta2: 0.999 },
        { name: 'adam', lr: 4e-4, beta1: 0, beta2: 0.999 },
      ],
      [
        { name: 'adam', lr: 1e-4, beta1: 0.5, beta2: 0.999 },
        { name: 'adam', lr: 4e-4, beta1: 0.5, beta2: 0.999 },
      ],
    ]);
  });

  it('leaves a discriminator optimizer the study names itself alone when training.optimizer.* varies', () => {
    const text = withSearch('  kind: grid\n  space:\n    training.optimizer.lr: [1.0e-4, 2.0e-4]\n').replace(
      '  batchSize: 64',
      '  batchSize: 64\n  discriminatorOptimizer: { name: adam, lr: 4.0e-4, beta1: 0 }',
    );
    const trials = expandStudy(parseStudy(text, 'tiny.yaml')).filter((t) => t.seed === 0);
    expect(trials.map((t) => [t.training.optimizer.lr, t.training.discriminatorOptimizer])).toEqual([
      [1e-4, { name: 'adam', lr: 4e-4, beta1: 0, beta2: 0.999 }],
      [2e-4, { name: 'adam', lr: 4e-4, beta1: 0, beta2: 0.999 }],
    ]);
  });

  it('resolves architecture options and training fields from the space', () => {
    const [trial] = expand(`  kind: grid
  space:
    architecture.gWidth: [64]
    training.nDisc: [5]
    training.emaDecay: [0.999]
    training.batchSize: [32]
`);
    expect(trial?.architecture.options).toMatchObject({ gWidth: 64, dWidth: 32, latentDim: 256, activation: 'relu' });
    expect(trial?.training).toMatchObject({ nDisc: 5, emaDecay: 0.999, batchSize: 32 });
  });
});

describe('random search', () => {
  // The space of Lucic et al. 2018 (Sec. 5): lr log-uniform in [1e-5, 1e-2], β₁ in [0, 1], n_disc 1–5, λ log-uniform in [0.1, 100].
  const LUCIC = `  kind: random
  trials: TRIALS
  seed: SEED
  space:
    regularizer: { choice: [none, gradient-penalty, dragan] }
    training.optimizer.lr: { logUniform: [1.0e-5, 1.0e-2] }
    training.optimizer.beta1: { uniform: [0, 1] }
    training.nDisc: { intUniform: [1, 5] }
    regularizer.lambda: { logUniform: [0.1, 100] }
`;
  const lucic = (trials: number, seed = 0) => expand(LUCIC.replace('TRIALS', String(trials)).replace('SEED', String(seed)));

  it('draws the budget of settings, once per seed, inside the ranges', () => {
    const trials = lucic(60);
    expect(trials).toHaveLength(120);
    expect(new Set(trials.map(trialId)).size).toBe(120);
    for (const t of trials) {
      const { lr, beta1 } = t.training.optimizer as { lr: number; beta1: number };
      expect(lr).toBeGreaterThanOrEqual(1e-5);
      expect(lr).toBeLessThan(1e-2);
      expect(beta1).toBeGreaterThanOrEqual(0);
      expect(beta1).toBeLessThan(1);
      expect([1, 2, 3, 4, 5]).toContain(t.training.nDisc);
      const lambda = reg(t).params.lambda;
      if (reg(t).name === 'none') expect(lambda).toBeUndefined();
      else expect(lambda as number).toBeGreaterThanOrEqual(0.1);
    }
    expect(new Set(trials.map((t) => t.training.nDisc)).size).toBe(5);
    expect(new Set(trials.map((t) => reg(t).name)).size).toBe(3);
  });

  it('is reproducible, extends a smaller budget, and changes with its seed', () => {
    const ids = (trials: number, seed = 0) =>
      lucic(trials, seed)
        .filter((t) => t.seed === 0)
        .map(trialId);
    expect(ids(20)).toEqual(ids(20));
    expect(ids(30).slice(0, 20)).toEqual(ids(20));
    expect(ids(20, 1)).not.toEqual(ids(20));
  });

  it('stops at the distinct settings a small space holds', () => {
    const trials = expand(`  kind: random
  trials: 50
  space:
    loss: { choice: [hinge, minimax] }
    training.nDisc: { intUniform: [1, 2] }
`);
    expect(trials).toHaveLength(2 * 2 * 2);
  });
});

describe('drawNumeric', () => {
  it('inverts the CDF of each distribution', () => {
    // Log-uniform: log x uniform, so u = 1/2 is the geometric mean.
    expect(drawNumeric({ kind: 'logUniform', lo: 1e-5, hi: 1e-2 }, 0.5)).toBeCloseTo(10 ** -3.5, 9);
    expect(drawNumeric({ kind: 'logUniform', lo: 0.1, hi: 100 }, 0)).toBe(0.1);
    expect(drawNumeric({ kind: 'uniform', lo: -1, hi: 3 }, 0.25)).toBe(0);
    // Integers lo…hi take equal shares of [0, 1).
    const ints = [0, 0.19, 0.2, 0.39, 0.4, 0.99999].map((u) => drawNumeric({ kind: 'intUniform', lo: 1, hi: 5 }, u));
    expect(ints).toEqual([1, 1, 2, 2, 3, 5]);
  });

  it('stays below hi even when rounding would reach it', () => {
    const x = drawNumeric({ kind: 'uniform', lo: 0, hi: 1 }, 1 - 1e-12);
    expect(x).toBeLessThan(1);
    expect(x).toBeGreaterThan(0.999);
  });
});
