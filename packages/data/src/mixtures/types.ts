/**
 * An equal-weight mixture of isotropic 2-D Gaussians: the toy target of mode-collapse studies,
 * where every mode is known, so coverage and sample quality can be counted exactly.
 */
export interface GaussianMixture {
  name: string;
  description: string;
  reference: string;
  /** Mode centres (x, y); each is chosen with probability 1/modes.length. */
  modes: readonly (readonly [number, number])[];
  /** Standard deviation of every component, per coordinate. */
  std: number;
}
