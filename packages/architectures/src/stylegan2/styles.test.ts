import { initBackend, Rng, tf } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveStyleGan2Config, stylegan2NumWs } from './config.js';
import { buildStyleGan2 } from './definition.js';
import { mapping, W_AVG_DECAY, wAvgName } from './mapping.js';
import { generatorStyles, mixStyles } from './styles.js';
import { synthesis, synthesisLayout } from './synthesis.js';

const OPTIONS = { width: 2, maxChannels: 4, latentDim: 5, wDim: 4, mappingLayers: 3 };
const CONFIG = resolveStyleGan2Config(OPTIONS, [16, 16, 1]);
const NUM_WS = stylegan2NumWs(16);

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
const row = (ws: tf.Tensor, l: number) => tf.squeeze(tf.slice(ws, [0, l, 0], [-1, 1, -1]), [1]);

describe('StyleGAN2 styles: mapping, w̄, truncation and style mixing (cpu)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('numWs = 2·log2(R) − 2 and the layers take w₀, w₁, … with each toRGB sharing the next block’s first w', () => {
    expect([8, 16, 32, 64, 128].map(stylegan2NumWs)).toEqual([4, 6, 8, 10, 12]);
    expect(synthesisLayout(CONFIG).map((l) => [l.name, l.wIndex])).toEqual([
      ['b4/conv1', 0],
      ['b4/torgb', 1],
      ['b8/conv0', 1],
      ['b8/conv1', 2],
      ['b8/torgb', 3],
      ['b16/conv0', 3],
      ['b16/conv1', 4],
      ['b16/torgb', 5],
    ]);
  });

  it('the synthesis network reads ws[:, l] exactly in the layers the layout gives l: cutting their affines removes every dependence on it', () => {
    const net = buildStyleGan2(CONFIG, new Rng(1));
    const params = net.generatorParams;
    const ws = new Rng(2).normalTensor([2, NUM_WS, CONFIG.wDim]);
    const y = new Rng(3).normalTensor([2, 16, 16, 1]);
    /** max |∂⟨G(ws), y⟩/∂ws[:, l]| for each l */
    const sensitivity = () =>
      tf.tidy(() => {
        const g = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(synthesis(params, 'g', w, CONFIG), y)))(ws);
        return Array.from({ length: NUM_WS }, (_, l) => tf.max(tf.abs(row(g, l))).dataSync()[0] as number);
      });
    expect(sensitivity().every((s) => s > 1e-4)).toBe(true);
    for (let l = 0; l < NUM_WS; l++) {
      const layers = synthesisLayout(CONFIG).filter((layer) => layer.wIndex === l);
      const saved = layers.map((layer) => params.get(`g/${layer.name}/affine/kernel`).clone());
      for (const layer of layers) tf.tidy(() => params.get(`g/${layer.name}/affine/kernel`).assign(tf.zerosLike(params.get(`g/${layer.name}/affine/kernel`))));
      const s = sensitivity();
      expect(s[l]).toBe(0);
      for (let other = 0; other < NUM_WS; other++) if (other !== l) expect(s[other]).toBeGreaterThan(1e-4);
      layers.forEach((layer, i) => {
        params.get(`g/${layer.name}/affine/kernel`).assign(saved[i] as tf.Tensor);
      });
      tf.dispose(saved);
    }
    tf.dispose([ws, y]);
    params.dispose();
    net.discriminatorParams.dispose();
  });

  it('truncation ψ = 0 gives the tracked w̄ at every layer for every z; ψ = 1 leaves w = f(z)', () => {
    const net = buildStyleGan2(resolveStyleGan2Config({ ...OPTIONS, truncation: 0 }, [16, 16, 1]), new Rng(1));
    const average = net.generatorParams.get(wAvgName('g'));
    tf.tidy(() => average.assign(new Rng(4).normalTensor([CONFIG.wDim])));
    const z = new Rng(5).normalTensor([6, CONFIG.latentDim]);
    const truncated = generatorStyles(net.generatorParams, 'g', z, { ...CONFIG, truncation: 0 }, { training: false, rng: new Rng(6) });
    const expected = tf.tidy(() => tf.broadcastTo(average, [6, NUM_WS, CONFIG.wDim]));
    expect(maxAbsDiff(truncated, expected)).toBeLessThan(1e-6);
    const free = generatorStyles(net.generatorParams, 'g', z, CONFIG, { training: false });
    const w = mapping(net.generatorParams, 'g', z, CONFIG);
    for (let l = 0; l < NUM_WS; l++) expect(tf.tidy(() => maxAbsDiff(row(free, l), w))).toBe(0);
    // and a sample is the image of w̄ for every z: all rows of the batch are the same image
    const samples = net.generate(net.generatorParams, z, { training: false });
    expect(tf.tidy(() => maxAbsDiff(samples, tf.tile(tf.slice(samples, [0, 0, 0, 0], [1, -1, -1, -1]), [6, 1, 1, 1])))).toBeLessThan(1e-5);
    tf.dispose([z, truncated, expected, free, w, samples]);
    net.generatorParams.dispose();
    net.discriminatorParams.dispose();
  });

  it('training-mode passes move w̄ to mean f(z) + 0.995·(w̄ − mean f(z)); evaluation passes leave it', () => {
    const net = buildStyleGan2(CONFIG, new Rng(1));
    const average = net.generatorParams.get(wAvgName('g'));
    tf.tidy(() => average.assign(new Rng(4).normalTensor([CONFIG.wDim])));
    const before = Array.from(average.dataSync());
    const z = new Rng(5).normalTensor([3, CONFIG.latentDim]);
    tf.dispose(generatorStyles(net.generatorParams, 'g', z, CONFIG, { training: false }));
    expect(Array.from(average.dataSync())).toEqual(before);
    const w = mapping(net.generatorParams, 'g', z, CONFIG).arraySync();
    tf.dispose(generatorStyles(net.generatorParams, 'g', z, CONFIG, { training: true, rng: new Rng(7) }));
    const after = average.dataSync();
    before.forEach((b, k) => {
      const mean = (w[0]?.[k] ?? 0) / 3 + (w[1]?.[k] ?? 0) / 3 + (w[2]?.[k] ?? 0) / 3;
      expect(after[k]).toBeCloseTo(mean + W_AVG_DECAY * (b - mean), 5);
    });
    z.dispose();
    net.generatorParams.dispose();
    net.discriminatorParams.dispose();
  });

  it('style mixing: layers before the crossover c see f(z), from c on f(z₂); c = 1 + rng.int(numWs − 1) after u < p, then z₂', () => {
    const net = buildStyleGan2(CONFIG, new Rng(1));
    const params = net.generatorParams;
    const z = new Rng(5).normalTensor([3, CONFIG.latentDim]);
    const w1 = mapping(params, 'g', z, CONFIG);
    const cutoffs = new Set<number>();
    for (let seed = 0; seed < 12; seed++) {
      // replay the documented draws on a copy of the stream
      const replay = new Rng(seed);
      const mixes = replay.uniform() < CONFIG.styleMixing;
      const ws = generatorStyles(params, 'g', z, CONFIG, { training: true, rng: new Rng(seed) });
      if (!mixes) {
        for (let l = 0; l < NUM_WS; l++) expect(tf.tidy(() => maxAbsDiff(row(ws, l), w1))).toBe(0);
        ws.dispose();
        continue;
      }
      const cutoff = 1 + replay.int(NUM_WS - 1);
      cutoffs.add(cutoff);
      const z2 = replay.normalTensor([3, CONFIG.latentDim]);
      const w2 = mapping(params, 'g', z2, CONFIG);
      for (let l = 0; l < NUM_WS; l++)
        expect(
          tf.tidy(() => maxAbsDiff(row(ws, l), l < cutoff ? w1 : w2)),
          `layer ${l}, crossover ${cutoff}`,
        ).toBe(0);
      expect(tf.tidy(() => maxAbsDiff(ws, mixStyles(w1, w2, cutoff, NUM_WS)))).toBe(0);
      tf.dispose([ws, z2, w2]);
    }
    // p = 0.9 over 12 seeds: most batches mix, at several crossovers
    expect(cutoffs.size).toBeGreaterThanOrEqual(3);
    // p = 0, evaluation mode, or no stream: never mixed
    for (const [config, options] of [
      [
        { ...CONFIG, styleMixing: 0 },
        { training: true, rng: new Rng(1) },
      ],
      [CONFIG, { training: false, rng: new Rng(1) }],
      [CONFIG, { training: true }],
    ] as const) {
      const ws = generatorStyles(params, 'g', z, config, options);
      for (let l = 0; l < NUM_WS; l++) expect(tf.tidy(() => maxAbsDiff(row(ws, l), w1))).toBe(0);
      ws.dispose();
    }
    tf.dispose([z, w1]);
    params.dispose();
    net.discriminatorParams.dispose();
  });
});
