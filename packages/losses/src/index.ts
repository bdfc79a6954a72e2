/** @ganbench/losses — GAN losses on discriminator logits, after compare_gan's loss_lib.py. */
export { BEGAN_INITIAL_K, began, beganDiscriminatorLoss, beganGeneratorLoss, beganUpdate } from './losses/began.js';
export {
  energyBased,
  energyBasedDiscriminatorLoss,
  energyBasedGeneratorLoss,
  energyOfLogit,
  negativeLogitEnergy,
  pullAwayTerm,
} from './losses/energyBased.js';
export { featureMatching, featureMatchingGeneratorLoss } from './losses/featureMatching.js';
export { EXPONENT_CAP, F_DIVERGENCES, type FDivergence, fGanDiscriminatorLoss, fGanGeneratorLoss, fGanLosses } from './losses/fGan.js';
export { hinge, hingeDiscriminatorLoss } from './losses/hinge.js';
export { leastSquares, leastSquaresDiscriminatorLoss, leastSquaresGeneratorLoss } from './losses/leastSquares.js';
export {
  lossOfLogit,
  lossSensitive,
  lossSensitiveDiscriminatorLoss,
  lossSensitiveGeneratorLoss,
  lossSensitiveMargin,
} from './losses/lossSensitive.js';
export { minimax, minimaxDiscriminatorLoss, minimaxGeneratorLoss } from './losses/minimax.js';
export { nonSaturating, nonSaturatingGeneratorLoss } from './losses/nonSaturating.js';
export { relativisticAverage, relativisticAverageDiscriminatorLoss, relativisticAverageGeneratorLoss } from './losses/relativisticAverage.js';
export {
  relativisticPairing,
  relativisticPairingDiscriminatorLoss,
  relativisticPairingGeneratorLoss,
} from './losses/relativisticPairing.js';
export { wasserstein, wassersteinDiscriminatorLoss, wassersteinGeneratorLoss } from './losses/wasserstein.js';
export { BUILT_IN_LOSSES, createLoss, getLossDefinition, listLosses, registerLoss } from './registry.js';
export type { GanLoss, LossContext, LossDefinition, LossFunctions, TensorOps } from './types.js';
