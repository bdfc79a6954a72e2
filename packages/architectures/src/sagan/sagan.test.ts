import { initBackend, Rng, resolveOptions, tf, type WeightTransform } from '@ganbench/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveSaganConfig, SAGAN_OPTIONS, SAGAN_RECOMMENDED, saganArchitecture, saganParameterCount } from './index.js';

const build = (options: Record<string, unknown>, resolution: number, channels: number, seed = 3) =>
  saganArchitecture.build(resolveOptions('architecture sagan', SAGAN_OPTIONS, options), { dataShape: [resolution, resolution, channels] }, new Rng(seed));

/** Self-attention on C channels: query and key C·C/8 each, value C·C/2, out (C/2)·C, no biases, and γ. */
const attention = (c: number) => 2 * c * (c / 8) + c * (c / 2) + (c / 2) * c + 1;

/**
 * Trainable scalars at 32 px, written out from the paper's blocks with C = 4·width everywhere
 * (no learned G shortcut: the channels never change), z of size `z`, `k` image channels.
 */
function closedForm32(width: number, z: number, k: number): { generator: number; discriminator: number } {
  const c = 4 * width;
  const fc = z * 16 * c + 16 * c;
  // per up-block: bn1 2C, conv1 9C² + C, bn2 2C, conv2 9C² + C
  const upBlock = 2 * c + 9 * c * c + c + 2 * c + 9 * c * c + c;
  const head = 2 * c + 9 * c * k + k; // bn, then the 3×3 conv to the image
  const generator = fc + 3 * upBlock + attention(c) + head;
  const optimized = 9 * k * c + c + 9 * c * c + c + k * c + c; // conv1, conv2, 1×1 shortcut
  const down = 9 * c * c + c + 9 * c * c + c + c * c + c; // conv1, conv2, 1×1 shortcut (it downsamples)
  const keep = 9 * c * c + c + 9 * c * c + c; // identity shortcut
  const discriminator = optimized + down + 2 * keep + attention(c) + c + 1;
  return { generator, discriminator };
}

/** At 64 px: G 16w → 16w, 8w, 4w, 2w (attention after the 4w block at 32×32), D w, 2w, 4w, 8w, 16w (attention after the first, 32×32). */
function closedForm64(w: number, z: number, k: number): { generator: number; discriminator: number } {
  const conv = (kk: number, i: number, o: number, bias = true) => kk * kk * i * o + (bias ? o : 0);
  const up = (i: number, o: number) => 2 * i + conv(3, i, o) + 2 * o + conv(3, o, o) + (i === o ? 0 : conv(1, i, o));
  const generator =
    z * 16 * 16 * w +
    16 * 16 * w +
    up(16 * w, 16 * w) +
    up(16 * w, 8 * w) +
    up(8 * w, 4 * w) +
    up(4 * w, 2 * w) +
    attention(4 * w) +
    2 * 2 * w +
    conv(3, 2 * w, k);
  const down = (i: number, o: number) => conv(3, i, o) + conv(3, o, o) + conv(1, i, o);
  const discriminator = down(k, w) + down(w, 2 * w) + down(2 * w, 4 * w) + down(4 * w, 8 * w) + down(8 * w, 16 * w) + attention(w) + 16 * w + 1;
  return { generator, discriminator };
}

describe('SAGAN networks (wasm)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it.each([
    [32, 1, 2],
    [32, 3, 2],
    [64, 1, 2],
    [64, 3, 2],
    [128, 3, 1],
  ])('at %i px, %i channel(s), width %i: G gives [N, R, R, C] in [−1, 1], D gives [N] finite logits, nothing leaks', (resolution, channels, width) => {
    const net = build({ width, latentDim: 5 }, resolution, channels);
    const before = tf.memory().numTensors;
    const z = new Rng(4).normalTensor([3, 5]);
    const x = net.generate(net.generatorParams, z, { training: true });
    expect(x.shape).toEqual([3, resolution, resolution, channels]);
    const values = Array.from(x.dataSync());
    const lo = values.reduce((a, b) => Math.min(a, b));
    const hi = values.reduce((a, b) => Math.max(a, b));
    expect([lo >= -1, hi <= 1]).toEqual([true, true]);
    // not collapsed to a constant
    expect(hi - lo).toBeGreaterThan(1e-3);
    const logits = net.discriminate(net.discriminatorParams, x, { training: true });
    expect(logits.shape).toEqual([3]);
    expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([z, x, logits]);
    expect(tf.memory().numTensors).toBe(before);
    // the layout's own count (the closed forms below check it at 32 and 64)
    const counts = saganParameterCount(resolveSaganConfig({ width, latentDim: 5 }, [resolution, resolution, channels]));
    expect(counts).toEqual({ generator: net.generatorParams.count(), discriminator: net.discriminatorParams.count() });
    net.generatorParams.dispose();
    net.discriminatorParams.dispose();
  });

  it.each([
    [32, 2, 5, 3],
    [32, 4, 7, 1],
    [64, 8, 5, 3],
    [64, 16, 3, 1],
  ])('at %i px, width %i, z of %i, %i channel(s): parameter counts equal the closed form', (resolution, width, z, channels) => {
    const net = build({ width, latentDim: z }, resolution, channels);
    const want = resolution === 32 ? closedForm32(width, z, channels) : closedForm64(width, z, channels);
    expect({ generator: net.generatorParams.count(), discriminator: net.discriminatorParams.count() }).toEqual(want);
    expect(saganParameterCount(resolveSaganConfig({ width, latentDim: z }, [resolution, resolution, channels]))).toEqual(want);
    net.generatorParams.dispose();
    net.discriminatorParams.dispose();
  });

  it('a worked count at 32 px, width 2, z of 5, 3 channels (C = 8): G 4 684 and D 4 506 trainable scalars', () => {
    // G: fc 5·128 + 128 = 768; 3 up-blocks of 16 + 584 + 16 + 584 = 1200; attention 2·8 + 32 + 32 + 1 = 81; bn 16; out 9·8·3 + 3 = 219
    // D: optimized 224 + 584 + 32 = 840; down 584 + 584 + 72 = 1240; 2 × (584 + 584) = 2336; attention 81; fc 9
    expect(closedForm32(2, 5, 3)).toEqual({ generator: 768 + 3600 + 81 + 16 + 219, discriminator: 840 + 1240 + 2336 + 81 + 9 });
    const net = build({ width: 2, latentDim: 5 }, 32, 3);
    expect([net.generatorParams.count(), net.discriminatorParams.count()]).toEqual([4684, 4506]);
    // carried, not trained: running mean and variance of 7 BN layers of 8 channels (112), and one u per kernel as long as its output:
    // G fc 128, 3 × (8 + 8), attention 1 + 1 + 4 + 8, out 3 = 193; D 3 × 8, 3 × 8, 2 × 16, attention 14, fc 1 = 95
    expect(net.generatorParams.count(true) - net.generatorParams.count()).toBe(112 + 193);
    expect(net.discriminatorParams.count(true) - net.discriminatorParams.count()).toBe(95);
  });

  it('defaults: width 64, z of 128, attention at 16×16 at 32 px and at 32×32 at 64 and 128 px, one power iteration', () => {
    expect(resolveSaganConfig({}, [32, 32, 3])).toEqual({
      resolution: 32,
      channels: 3,
      latentDim: 128,
      width: 64,
      attentionResolution: 16,
      powerIterations: 1,
    });
    expect(resolveSaganConfig({}, [64, 64, 1]).attentionResolution).toBe(32);
    expect(resolveSaganConfig({}, [128, 128, 3]).attentionResolution).toBe(32);
    expect(SAGAN_RECOMMENDED).toEqual({
      loss: { name: 'hinge', params: {} },
      regularizer: { name: 'none', params: {} },
      optimizer: { name: 'adam', lr: 1e-4, beta1: 0, beta2: 0.9 },
      discriminatorOptimizer: { name: 'adam', lr: 4e-4, beta1: 0, beta2: 0.9 },
    });
    expect(saganArchitecture.recommended).toBe(SAGAN_RECOMMENDED);
  });

  it('bad options and shapes are rejected naming the option or shape, the value and what is allowed', () => {
    expect(() => resolveSaganConfig({ attentionResolution: 32 }, [32, 32, 3])).toThrow(
      'architecture sagan.attentionResolution: 32 is not allowed at 32 px; must be one of 8, 16, or 0 (16)',
    );
    expect(() => resolveSaganConfig({ attentionResolution: 12 }, [32, 32, 3])).toThrow(
      'architecture sagan.attentionResolution: 12 is not allowed; must be one of 0, 8, 16, 32, 64',
    );
    expect(() => resolveSaganConfig({ width: 0 }, [32, 32, 3])).toThrow('architecture sagan.width: 0 is not allowed; must be an integer ≥ 1');
    expect(() => resolveSaganConfig({}, [28, 28, 1])).toThrow(
      'architecture sagan: dataShape [28, 28, 1] is not allowed; must be [R, R, C] (NHWC) with R one of 32, 64, 128 and C one of 1, 3',
    );
    const net = build({ width: 2, latentDim: 5 }, 32, 3);
    const z = tf.zeros([2, 4]);
    expect(() => net.generate(net.generatorParams, z, { training: false })).toThrow('sagan g: z of shape [2,4] is not allowed; must be [N, 5]');
    const x = tf.zeros([2, 64, 64, 3]);
    expect(() => net.discriminate(net.discriminatorParams, x, { training: false })).toThrow(
      'sagan d: x of shape [2,64,64,3] is not allowed; must be [N, 32, 32, 3] (NHWC)',
    );
    tf.dispose([z, x]);
  });

  /** Kernel names in the order a forward pass uses them, seen through a pass-through weight transform. */
  function kernelOrder(resolution: number, options: Record<string, unknown>, network: 'g' | 'd'): string[] {
    const net = build({ width: 2, latentDim: 5, ...options }, resolution, 3);
    const seen: string[] = [];
    const recording: WeightTransform = (w, name) => {
      seen.push(name);
      return tf.clone(w);
    };
    const z = tf.zeros([2, 5]);
    const x = tf.zeros([2, resolution, resolution, 3]);
    const out =
      network === 'g'
        ? net.generate(net.generatorParams, z, { training: false, weightTransform: recording })
        : net.discriminate(net.discriminatorParams, x, { training: false, weightTransform: recording });
    tf.dispose([z, x, out]);
    return seen.map((n) => n.replace(/\/kernel$/, ''));
  }

  it('attention sits after the block whose output has the attention resolution, in G and in D', () => {
    // 32 px: G blocks end at 8, 16, 32 and D blocks at 16, 8, 8, 8
    const attend = ['attention/query', 'attention/key', 'attention/value', 'attention/out'];
    const g32 = kernelOrder(32, {}, 'g');
    expect(g32).toEqual([
      'g/fc',
      'g/block0/conv1',
      'g/block0/conv2',
      'g/block1/conv1',
      'g/block1/conv2',
      ...attend.map((a) => `g/${a}`),
      'g/block2/conv1',
      'g/block2/conv2',
      'g/out',
    ]);
    const d32 = kernelOrder(32, {}, 'd');
    expect(d32.slice(0, 7)).toEqual(['d/block0/conv1', 'd/block0/conv2', 'd/block0/shortcut', ...attend.map((a) => `d/${a}`)]);
    const d32at8 = kernelOrder(32, { attentionResolution: 8 }, 'd');
    expect(d32at8.indexOf('d/attention/query')).toBe(d32at8.indexOf('d/block1/shortcut') + 1);
    const g32at8 = kernelOrder(32, { attentionResolution: 8 }, 'g');
    expect(g32at8.indexOf('g/attention/query')).toBe(g32at8.indexOf('g/block0/conv2') + 1);
    // 64 px at 16: G's second block (16w → 8w, ends at 16×16), D's second (w → 2w, ends at 16×16); kernels sized by the channels there
    const net = build({ width: 2, latentDim: 5, attentionResolution: 16 }, 64, 3);
    expect(net.generatorParams.get('g/attention/value/kernel').shape).toEqual([1, 1, 16, 8]);
    expect(net.discriminatorParams.get('d/attention/query/kernel').shape).toEqual([1, 1, 4, 1]);
    const g64 = kernelOrder(64, { attentionResolution: 16 }, 'g');
    expect(g64.indexOf('g/attention/query')).toBe(g64.indexOf('g/block1/shortcut') + 1);
  });

  it('D has no batch statistics: a sample’s logit does not depend on the rest of the batch', () => {
    const net = build({ width: 2, latentDim: 5 }, 32, 3);
    const rng = new Rng(6);
    const x0 = rng.uniformTensor([1, 32, 32, 3], -1, 1);
    // each pass starts from the same power-iteration state, which a training pass advances
    const first = (others: tf.Tensor) => net.discriminate(net.discriminatorParams.clone(), tf.concat([x0, others]), { training: true }).dataSync()[0] as number;
    const a = first(rng.uniformTensor([3, 32, 32, 3], -1, 1));
    const b = first(rng.uniformTensor([3, 32, 32, 3], -1, 1));
    expect(Math.abs(a - b)).toBeLessThan(1e-6 * Math.max(1, Math.abs(a)));
  });
});
