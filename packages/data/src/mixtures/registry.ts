import { GRID } from './grid.js';
import { RING } from './ring.js';
import type { GaussianMixture } from './types.js';

export const MIXTURES: readonly GaussianMixture[] = [RING, GRID];

export const MIXTURE_NAMES: readonly string[] = MIXTURES.map((m) => m.name);

/** Looks a mixture up by the name a config gives as `dataset`; an unknown name fails naming the field and the choices. */
export function getMixture(name: string): GaussianMixture {
  const mixture = MIXTURES.find((m) => m.name === name);
  if (mixture === undefined) throw new Error(`dataset: '${name}' is not allowed; allowed: ${MIXTURE_NAMES.join(', ')}`);
  return mixture;
}

export function isMixtureName(name: string): boolean {
  return MIXTURE_NAMES.includes(name);
}
