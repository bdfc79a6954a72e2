import type { GaussianMixture } from './types.js';

/** side × side modes at spacing·(i − (side−1)/2), centred on the origin, row by row. */
export function gridModes(side: number, spacing: number): [number, number][] {
  const offset = (side - 1) / 2;
  const modes: [number, number][] = [];
  for (let i = 0; i < side; i++) {
    for (let j = 0; j < side; j++) modes.push([spacing * (i - offset), spacing * (j - offset)]);
  }
  return modes;
}

/** The 25-mode grid of VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018): centres at −4, −2, 0, 2, 4 on each axis, σ = 0.05. */
export const GRID: GaussianMixture = {
  name: 'grid',
  description: '25 Gaussians on a 5×5 grid with spacing 2 (centres −4…4), σ = 0.05',
  reference: 'Srivastava et al. 2017, VEEGAN (2D grid); σ = 0.05 (variance 0.0025) as in Lin et al. 2018, PacGAN',
  modes: gridModes(5, 2),
  std: 0.05,
};
