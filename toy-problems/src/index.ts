/** @ganbench/toy-problems — the Dirac-GAN, run on the registered losses and regularizers. */
export { DIRAC_DEFAULTS, type DiracConfig, type DiracRun, runDirac, validateDiracConfig } from './dirac.js';
