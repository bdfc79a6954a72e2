import { initBackend, type ParamStore, Rng, tf } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveStyleGan2Config, stylegan2NumWs } from './config.js';
import { buildStyleGan2 } from './definition.js';
import { PATH_LENGTH_DECAY, pathLengthMeanName, pathLengthPenalty, pathLengths } from './pathLength.js';
import { synthesis } from './synthesis.js';

/** 8×8×3, two blocks (4×4 and 8×8), 4 ws: every part of G (mapping, constant, modulated convs, noise, toRGB, upsampling) in a few hundred units. */
const CONFIG = resolveStyleGan2Config({ width: 2, maxChannels: 4, latentDim: 3, wDim: 3, mappingLayers: 2 }, [8, 8, 3]);
const NUM_WS = stylegan2NumWs(8);

/** Weights moved off their initial values, so biases, noise strengths and the mean a all carry gradient. */
function perturb(params: ParamStore, rng: Rng): void {
  for (const name of params.names()) {
    const v = params.get(name);
    if (v.trainable) tf.tidy(() => v.assign(tf.add(v, rng.normalTensor([...v.shape], 0, 0.3))));
  }
  tf.tidy(() => params.get(pathLengthMeanName('g')).assign(tf.scalar(0.5)));
}

const scalar = (f: () => tf.Tensor) => tf.tidy(() => f().dataSync()[0] as number);

describe.each(['cpu', 'wasm'] as const)('StyleGAN2 path-length regularization (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('L is the norm of J_wᵀy: the gradient of Σ G(ws)·y in ws against central differences over every coordinate of ws', () => {
    const net = buildStyleGan2(CONFIG, new Rng(1));
    const params = net.generatorParams;
    perturb(params, new Rng(2));
    const ws = new Rng(3).normalTensor([2, NUM_WS, CONFIG.wDim]);
    const y = new Rng(4).normalTensor([2, 8, 8, 3]);
    const lengths = Array.from(pathLengths(params, 'g', ws, y, CONFIG, new Rng(5)).dataSync());
    // ⟨G(ws), y⟩ with the same noise draw each time; h = 1e-2 on w of unit scale, O(h²) truncation
    const inner = (w: tf.Tensor) => scalar(() => tf.sum(tf.mul(synthesis(params, 'g', w, CONFIG, new Rng(5)), y)));
    const data = ws.dataSync();
    const h = 1e-2;
    for (let n = 0; n < 2; n++) {
      let sumSquares = 0;
      for (let k = 0; k < NUM_WS * CONFIG.wDim; k++) {
        const at = (delta: number) => {
          const shifted = Float32Array.from(data);
          shifted[n * NUM_WS * CONFIG.wDim + k] = (shifted[n * NUM_WS * CONFIG.wDim + k] as number) + delta;
          const w = tf.tensor(shifted, ws.shape);
          const value = inner(w);
          w.dispose();
          return value;
        };
        sumSquares += ((at(h) - at(-h)) / (2 * h)) ** 2;
      }
      // L = √(mean over the numWs layers of Σ over wDim of g²)
      // float32 differences of ⟨G, y⟩ ≈ 10 over 2h = 0.02: ≲ 1e-4 relative rounding per coordinate, far inside 1e-3
      const expected = Math.sqrt(sumSquares / NUM_WS);
      expect(Math.abs((lengths[n] as number) - expected)).toBeLessThanOrEqual(1e-3 * expected);
    }
    tf.dispose([ws, y]);
    params.dispose();
    net.discriminatorParams.dispose();
  });

  it("the penalty's gradient in every generator weight matches central finite differences along a random direction", () => {
    const net = buildStyleGan2(CONFIG, new Rng(1));
    const params = net.generatorParams;
    perturb(params, new Rng(2));
    const z = new Rng(3).normalTensor([2, CONFIG.latentDim]);
    // A fresh stream per evaluation: the same style mixing, y and noise every time, so the penalty is a function of the weights alone.
    const penalty = () => pathLengthPenalty(params, 'g', z, CONFIG, new Rng(4)).penalty;
    const value = scalar(penalty);
    const { grads } = tf.variableGrads(() => tf.tidy(penalty), params.trainableVariables());
    const autodiff = params.byName(grads);
    const directions = new Rng(5);
    let checked = 0;
    for (const name of params.names()) {
      const v = params.get(name);
      if (!v.trainable) continue;
      const direction = tf.tidy(() => {
        const g = directions.normalTensor([...v.shape]);
        return tf.div(g, tf.norm(g));
      });
      const analytic = autodiff[name] === undefined ? 0 : scalar(() => tf.sum(tf.mul(autodiff[name] as tf.Tensor, direction)));
      // Steps of 1e-3 in the weight the layer uses: the mapping stores weights ×1/lrMul (equalized lr), so its step is 1e-3/lrMul.
      const h = (name.includes('/mapping/') ? 1 / CONFIG.mappingLrMul : 1) * 1e-3;
      const original = v.clone();
      const at = (s: number) => {
        tf.tidy(() => v.assign(tf.add(original, tf.mul(direction, s))));
        return scalar(penalty);
      };
      const numeric = (at(h) - at(-h)) / (2 * h);
      v.assign(original);
      tf.dispose([original, direction]);
      // float32: the penalty carries a relative rounding error of ≲ 1e-6 (ε = 6e-8 over ~10³ operations), so the
      // difference quotient is off by ≲ 2·1e-6·P/(2h); truncation error O(h²) and any curvature are inside 1 %. A
      // leaky-ReLU kink crossed within ±h would make P jump and this check fail, never pass wrongly.
      const rounding = (1e-6 * value) / h;
      expect(Math.abs(numeric - analytic), `${name}: autodiff ${analytic}, finite differences ${numeric}`).toBeLessThanOrEqual(
        1e-2 * Math.abs(analytic) + rounding,
      );
      // toRGB biases add a constant image, so J_wᵀy and the penalty do not depend on them; every other gradient is well above the rounding floor
      if (name.endsWith('/torgb/bias')) expect([analytic, numeric]).toEqual([0, 0]);
      else if (Math.abs(analytic) >= 10 * rounding) checked++;
    }
    expect(checked).toBe(params.trainableVariables().length - 2);
    tf.dispose([z, ...Object.values(grads)]);
    params.dispose();
    net.discriminatorParams.dispose();
  });

  it('generatorPenalty is lazy (every pathLengthEvery steps, weight × every), on half the batch, and moves a by 0.01·(mean L − a)', () => {
    const config = { ...CONFIG, pathLengthEvery: 3, pathLengthWeight: 2 };
    const net = buildStyleGan2(config, new Rng(1));
    const params = net.generatorParams;
    perturb(params, new Rng(2));
    const z = new Rng(3).normalTensor([4, CONFIG.latentDim]);
    const hook = net.generatorPenalty;
    if (hook === undefined) throw new Error('stylegan2 builds a generatorPenalty');
    for (const step of [1, 2, 4, 5]) expect(hook(params, z, { step, rng: new Rng(6) })).toBeNull();
    const a = scalar(() => params.get(pathLengthMeanName('g')));
    // the same draws on the first two rows of z, computed independently of the hook
    const half = tf.slice(z, [0, 0], [2, CONFIG.latentDim]);
    const rng = new Rng(6);
    const expectedPenalty = scalar(() => pathLengthPenalty(params, 'g', half, config, new Rng(6)).penalty);
    const penalty = hook(params, z, { step: 3, rng });
    expect(penalty).not.toBeNull();
    expect((penalty as tf.Scalar).dataSync()[0]).toBeCloseTo(2 * 3 * expectedPenalty, 5);
    // a' = a + 0.01(mean L − a) ⇒ mean L = a + (a' − a)/0.01; the penalty E(L − a')² ≥ (mean L − a')²
    const updated = scalar(() => params.get(pathLengthMeanName('g')));
    expect(updated).not.toBe(a);
    const meanLength = a + (updated - a) / PATH_LENGTH_DECAY;
    expect(meanLength).toBeGreaterThan(0);
    expect(expectedPenalty).toBeGreaterThanOrEqual((meanLength - updated) ** 2 * (1 - 1e-4));
    tf.dispose([z, half, penalty as tf.Scalar]);
    params.dispose();
    net.discriminatorParams.dispose();
  });
});
