import { describe, expect, it } from 'vitest';
import { proganPhase } from './index.js';

describe('ProGAN growth schedule (Karras et al. 2018, Sec. 3: fade-in then stabilization per level)', () => {
  // 32 px: levels 4, 8, 16, 32 (0…3); 10 images per step, 100 per half-phase, so every 10 steps a half-phase ends.
  const config = { resolution: 32, imagesPerPhase: 100, batchSize: 10 } as const;

  it.each([
    // [step, level, α], worked out by hand: images = 10·step; h = ⌊images/100⌋; level ⌈h/2⌉, fading while h is odd
    [0, 0, 1],
    [9, 0, 1], // 90 images: still 4×4
    [10, 1, 0], // 100: 8×8 starts fading in at α = 0
    [13, 1, 0.3],
    [15, 1, 0.5],
    [19, 1, 0.9],
    [20, 1, 1], // 200: 8×8 stabilizes
    [29, 1, 1],
    [30, 2, 0], // 16×16 fades in
    [37, 2, 0.7],
    [40, 2, 1],
    [50, 3, 0], // 32×32 fades in
    [55, 3, 0.5],
    [60, 3, 1], // fully grown from 600 images on
    [61, 3, 1],
    [1_000_000, 3, 1],
  ] as const)('step %i: level %i, α %f', (step, level, alpha) => {
    const phase = proganPhase(config, step);
    expect(phase.level).toBe(level);
    expect(phase.alpha).toBeCloseTo(alpha, 12);
    expect(phase.images).toBe(10 * step);
  });

  it('α rises linearly with images when a phase is not a whole number of steps', () => {
    // 25 images per half-phase, 10 per step: step 3 shows 30 images, 5 into the first fade-in
    const odd = { resolution: 64, imagesPerPhase: 25, batchSize: 10 } as const;
    expect(proganPhase(odd, 2)).toEqual({ level: 0, alpha: 1, images: 20 });
    expect(proganPhase(odd, 3)).toEqual({ level: 1, alpha: 0.2, images: 30 });
    expect(proganPhase(odd, 4)).toEqual({ level: 1, alpha: 0.6, images: 40 });
    expect(proganPhase(odd, 5)).toEqual({ level: 1, alpha: 1, images: 50 });
    // 64 px has 4 levels: fully grown after 8 half-phases = 200 images = step 20
    expect(proganPhase(odd, 19)).toEqual({ level: 4, alpha: 0.6, images: 190 });
    expect(proganPhase(odd, 20)).toEqual({ level: 4, alpha: 1, images: 200 });
  });

  it('imagesPerPhase 0 turns growing off: fully grown from step 0', () => {
    expect(proganPhase({ ...config, imagesPerPhase: 0 }, 0)).toEqual({ level: 3, alpha: 1, images: 0 });
    expect(proganPhase({ ...config, imagesPerPhase: 0 }, 7)).toEqual({ level: 3, alpha: 1, images: 70 });
  });

  it('no step means fully grown (sampling a finished network); a bad step names itself', () => {
    expect(proganPhase(config)).toEqual({ level: 3, alpha: 1, images: Number.POSITIVE_INFINITY });
    expect(proganPhase({ ...config, resolution: 128 })).toMatchObject({ level: 5, alpha: 1 });
    expect(() => proganPhase(config, -1)).toThrow('progan: options.step -1 is not allowed; must be an integer ≥ 0 (generator steps completed)');
    expect(() => proganPhase(config, 1.5)).toThrow('options.step 1.5 is not allowed');
  });
});
