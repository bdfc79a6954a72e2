export { consensusField } from './consensus.js';
export {
  DIRAC_DEFAULTS,
  DIRAC_OPTIMIZERS,
  type DiracConfig,
  type DiracField,
  type DiracGame,
  type DiracOptimizer,
  type DiracRun,
  diracGame,
  diracRegularizers,
  diracRegularizersLabel,
  diracVectorField,
  type FieldArrow,
  runDirac,
  runDiracAsync,
} from './dirac.js';
export {
  type Complex,
  type DiracEigenvalues,
  describeEigenvalues,
  diracEigenvalues,
  diracJacobianByAutograd,
  eigenvalues2,
  formatComplex,
  type Matrix2,
} from './diracJacobian.js';
export { CONVERGED_DISTANCE, type DiracStudy, type DiracStudyResult, type DiracStudyRun, parseDiracStudy, runDiracStudy } from './diracStudy.js';
export { diracSummaryMarkdown, type Provenance, r1EigenvaluePath, writeDiracStudy } from './diracStudyReport.js';
export { DIVERGENCE_THETAS, type TwoDiracDivergences, twoDiracDivergences, writeDivergences } from './divergences.js';
export { MIXTURE_DEFAULTS, type MixtureConfig, type MixtureRun, type MixtureSnapshot, runMixture, validateMixtureConfig } from './mixture.js';
export { writeMixtureRun } from './mixtureReport.js';
