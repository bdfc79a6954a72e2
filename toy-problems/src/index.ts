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
  runDirac,
} from './dirac.js';
export { type Complex, type DiracEigenvalues, diracEigenvalues, diracJacobianByAutograd, eigenvalues2, type Matrix2 } from './diracJacobian.js';
