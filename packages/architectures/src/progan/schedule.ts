import { type ProganConfig, proganLevels } from './config.js';

/** Where growth stands: the level being trained (0 = 4×4 … levels = target) and the fade-in weight α of its new layers. */
export interface ProganPhase {
  level: number;
  /** 1 when the level is stable; rises linearly from 0 to 1 over its fade-in. */
  alpha: number;
  /** Real images shown so far (step × batchSize); Infinity when the network is fully grown by definition. */
  images: number;
}

/**
 * Karras et al. 2018, Sec. 3 and App. A.1: 4×4 is trained for imagesPerPhase images; each further
 * level first fades in over imagesPerPhase images (α = 0 → 1), then is stabilized for as many.
 * Half-phase h = ⌊images / imagesPerPhase⌋: level ⌈h/2⌉, fading while h is odd. A pure function of
 * the generator step, so checkpoints (which hold the step) resume mid-growth; no step or
 * imagesPerPhase 0: fully grown.
 */
export function proganPhase(config: Pick<ProganConfig, 'resolution' | 'imagesPerPhase' | 'batchSize'>, step?: number): ProganPhase {
  const levels = proganLevels(config.resolution);
  if (step === undefined) return { level: levels, alpha: 1, images: Number.POSITIVE_INFINITY };
  if (!Number.isInteger(step) || step < 0) throw new Error(`progan: options.step ${step} is not allowed; must be an integer ≥ 0 (generator steps completed)`);
  const images = step * config.batchSize;
  if (config.imagesPerPhase === 0) return { level: levels, alpha: 1, images };
  const half = Math.floor(images / config.imagesPerPhase);
  if (half >= 2 * levels) return { level: levels, alpha: 1, images };
  const level = Math.ceil(half / 2);
  const alpha = half % 2 === 1 ? (images - half * config.imagesPerPhase) / config.imagesPerPhase : 1;
  return { level, alpha, images };
}
