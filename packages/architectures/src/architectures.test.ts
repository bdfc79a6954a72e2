import { describeOption, initBackend, ParamStore, Rng, tf } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initMlp, MLP_ACTIVATIONS, MLP_DEFAULTS, type MlpConfig, mlp, mlpParameterCount, orthogonalMatrix, resolveMlpConfig } from './index.js';

const SMALL: MlpConfig = { ...resolveMlpConfig('discriminator'), inputDim: 3, width: 5, depth: 2, outputDim: 1 };

function build(config: MlpConfig, seed = 1, prefix = 'd'): ParamStore {
  const params = new ParamStore();
  initMlp(params, prefix, config, new Rng(seed));
  return params;
}

describe('MLP configuration (no backend needed)', () => {
  it('defaults: G 256 → 3×128 relu → 2, D 2 → 4×256 relu → logit, orthogonal 0.8 (Metz et al. 2017 init and latent)', () => {
    expect(resolveMlpConfig('generator')).toEqual({
      inputDim: 256,
      width: 128,
      depth: 3,
      outputDim: 2,
      activation: 'relu',
      init: 'orthogonal',
      initGain: 0.8,
      inputScale: 1,
    });
    expect(resolveMlpConfig('discriminator')).toEqual({
      inputDim: 2,
      width: 256,
      depth: 4,
      outputDim: 1,
      activation: 'relu',
      init: 'orthogonal',
      initGain: 0.8,
      inputScale: 1,
    });
    for (const spec of Object.values(MLP_DEFAULTS)) {
      for (const h of Object.values(spec.options)) expect(h.description.length).toBeGreaterThan(5);
    }
  });

  it('overrides are checked, naming the field, the value and what is allowed', () => {
    expect(resolveMlpConfig('discriminator', { width: 256, depth: 4, activation: 'leaky-relu' })).toMatchObject({
      width: 256,
      depth: 4,
      activation: 'leaky-relu',
    });
    expect(() => resolveMlpConfig('discriminator', { activation: 'sigmoid' })).toThrow(
      'mlp discriminator.activation: "sigmoid" is not allowed; must be one of relu, leaky-relu, tanh, elu',
    );
    expect(() => resolveMlpConfig('generator', { width: 0 })).toThrow('mlp generator.width: 0 is not allowed; must be an integer ≥ 1');
    expect(() => resolveMlpConfig('generator', { depth: 1.5 })).toThrow('mlp generator.depth: 1.5 is not allowed');
    expect(() => resolveMlpConfig('generator', { init: 'xavier' })).toThrow('mlp generator.init: "xavier" is not allowed; must be one of orthogonal, normal');
    expect(() => resolveMlpConfig('generator', { hidden: 3 })).toThrow("mlp generator: unknown option 'hidden'; allowed: inputDim, width, depth");
    expect(() => resolveMlpConfig('critic' as 'generator')).toThrow("role: 'critic' is not allowed; allowed: generator, discriminator");
  });

  it('lists every option with its default for a CLI', () => {
    const lines = Object.entries(MLP_DEFAULTS.generator.options).map(([name, spec]) => describeOption(name, spec));
    expect(lines).toHaveLength(8);
    expect(lines).toContain('width (integer ≥ 1, default 128): units per hidden layer');
    expect(lines.some((l) => l.startsWith('activation (one of relu, leaky-relu, tanh, elu, default relu)'))).toBe(true);
  });

  it('orthogonal init: WᵀW = g²I for tall kernels, WWᵀ = g²I for wide ones; seeded', () => {
    for (const [rows, cols] of [
      [7, 3],
      [2, 9],
      [6, 6],
    ] as const) {
      const w = orthogonalMatrix(rows, cols, 0.8, new Rng(3));
      const k = Math.min(rows, cols);
      for (let a = 0; a < k; a++) {
        for (let b = 0; b < k; b++) {
          let dot = 0;
          for (let i = 0; i < Math.max(rows, cols); i++) {
            dot += rows >= cols ? (w[i * cols + a] as number) * (w[i * cols + b] as number) : (w[a * cols + i] as number) * (w[b * cols + i] as number);
          }
          expect(dot).toBeCloseTo(a === b ? 0.64 : 0, 5);
        }
      }
      expect(orthogonalMatrix(rows, cols, 0.8, new Rng(3))).toEqual(w);
    }
  });
});

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`MLP on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it('default G maps [N, 256] to [N, 2] and default D maps [N, 2] to [N, 1]', () => {
      expect(tf.getBackend()).toBe(backend);
      const g = resolveMlpConfig('generator');
      const d = resolveMlpConfig('discriminator');
      const gp = build(g, 1, 'g');
      const dp = build(d, 2, 'd');
      const z = new Rng(3).normalTensor([16, 256]);
      const x = mlp(gp, 'g', z, g);
      const logits = mlp(dp, 'd', x, d);
      expect(x.shape).toEqual([16, 2]);
      expect(logits.shape).toEqual([16, 1]);
      tf.dispose([z, x, logits]);
      gp.dispose();
      dp.dispose();
    });

    it('the parameter count equals the closed form (defaults, linear, deep, wide)', () => {
      const configs: MlpConfig[] = [
        resolveMlpConfig('generator'),
        resolveMlpConfig('discriminator'),
        { ...SMALL, depth: 0 },
        { ...SMALL, depth: 4, width: 7, outputDim: 3 },
      ];
      expect(mlpParameterCount(configs[0] as MlpConfig)).toBe(256 * 128 + 128 + 2 * (128 * 128 + 128) + 128 * 2 + 2);
      expect(mlpParameterCount(configs[1] as MlpConfig)).toBe(2 * 256 + 256 + 3 * (256 * 256 + 256) + 256 + 1);
      for (const config of configs) {
        const params = build(config);
        expect(params.count()).toBe(mlpParameterCount(config));
        params.dispose();
      }
    });

    it('a weight transform sees every kernel (not biases) and its output is what the layer uses', () => {
      const params = build(SMALL);
      const seen: string[] = [];
      const x = tf.ones([4, 3]);
      const zeroed = mlp(params, 'd', x, SMALL, {
        weightTransform: (w, name) => {
          seen.push(name);
          return tf.mul(w, 0);
        },
      });
      expect(seen).toEqual(['d/hidden0/kernel', 'd/hidden1/kernel', 'd/output/kernel']);
      // all kernels zero and biases zero at init: every logit is 0
      expect(Array.from(zeroed.dataSync())).toEqual([0, 0, 0, 0]);
      tf.dispose([x, zeroed]);
      params.dispose();
    });

    it.each(MLP_ACTIVATIONS)('gradients reach every parameter with %s', (activation) => {
      const config = { ...SMALL, activation };
      const params = build(config, 4);
      const x = new Rng(5).normalTensor([32, 3]);
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(mlp(params, 'd', x, config))) as tf.Scalar, params.trainableVariables());
      const byName = params.byName(grads);
      expect(Object.keys(byName).sort()).toEqual(params.names().sort());
      for (const [name, g] of Object.entries(byName)) expect(tf.max(tf.abs(g)).dataSync()[0], name).toBeGreaterThan(0);
      tf.dispose([x, value, ...Object.values(grads)]);
      params.dispose();
    });

    it('inputScale multiplies the input: scale 0.25 on x equals scale 1 on x/4', () => {
      const params = build(SMALL, 6);
      const x = new Rng(7).normalTensor([8, 3]);
      const quarter = tf.mul(x, 0.25);
      const a = mlp(params, 'd', x, { ...SMALL, inputScale: 0.25 });
      const b = mlp(params, 'd', quarter, { ...SMALL, inputScale: 1 });
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()).map((v) => expect.closeTo(v, 5)));
      tf.dispose([x, quarter, a, b]);
      params.dispose();
    });

    it('the same seed gives the same network; init normal uses N(0, 0.02²)', () => {
      const a = build(SMALL, 9);
      const b = build(SMALL, 9);
      for (const name of a.names()) expect(a.get(name).dataSync()).toEqual(b.get(name).dataSync());
      const normal = build({ ...SMALL, init: 'normal', width: 200 }, 9);
      const k = Array.from(normal.get('d/hidden1/kernel').dataSync());
      const std = Math.sqrt(k.reduce((s, v) => s + v * v, 0) / k.length);
      expect(std).toBeCloseTo(0.02, 3);
      // shape alone is enough: the initializer defaults to orthogonal with gain 0.8
      const bare = new ParamStore();
      initMlp(bare, 'd', { inputDim: 3, width: 5, depth: 2, outputDim: 1 }, new Rng(9));
      for (const name of a.names()) expect(bare.get(name).dataSync()).toEqual(a.get(name).dataSync());
      for (const p of [a, b, normal, bare]) p.dispose();
    });

    it('leaves no tensors behind across forward and gradient calls', () => {
      const config = { ...SMALL, activation: 'leaky-relu' as const };
      const params = build(config, 10);
      const x = new Rng(11).normalTensor([16, 3]);
      const step = () => {
        const { value, grads } = tf.variableGrads(() => tf.mean(mlp(params, 'd', x, config)) as tf.Scalar, params.trainableVariables());
        tf.dispose([value, ...Object.values(grads)]);
      };
      step();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) step();
      expect(tf.memory().numTensors).toBe(before);
      const y = mlp(params, 'd', x, config);
      expect(tf.memory().numTensors).toBe(before + 1);
      tf.dispose([x, y]);
      params.dispose();
    });

    it('rejects an input of the wrong width, a wrong depth and an unknown activation', () => {
      const params = build(SMALL);
      const x = tf.ones([2, 4]);
      expect(() => mlp(params, 'd', x, SMALL)).toThrow('x: shape [2,4] is not allowed; d takes [N, 3]');
      const ok = tf.ones([2, 3]);
      expect(() => mlp(params, 'd', ok, { ...SMALL, depth: 1 })).toThrow('depth: 1 does not match the parameters');
      expect(() => mlp(params, 'd', ok, { ...SMALL, activation: 'swish' as 'relu' })).toThrow(
        'activation: "swish" is not allowed; allowed: relu, leaky-relu, tanh, elu',
      );
      tf.dispose([x, ok]);
      params.dispose();
    });
  });
}
