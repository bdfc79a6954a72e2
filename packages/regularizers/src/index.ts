/** @ganbench/regularizers — penalties, constraints, reparametrizations and training tricks, after compare_gan's penalty_lib.py. */
export {
  ADA_GROUPS,
  ADA_INTERVAL,
  ADA_KIMG,
  ADA_TARGET,
  type AdaControl,
  type AdaDraws,
  type AdaGroups,
  ada,
  adaAugment,
  adaCarried,
  applyBlits,
  type Blit,
  drawAda,
} from './augmentations/ada.js';
export {
  DIFF_AUGMENT_POLICIES,
  DIFF_AUGMENT_POLICY_VALUES,
  type DiffAugmentPolicy,
  diffAugment,
  diffAugmentRegularizer,
} from './augmentations/diffAugment.js';
export { clipWeights, weightClipping } from './constraints/weightClipping.js';
export {
  type BoundNormalization,
  createNormalization,
  getNormalizationDefinition,
  NO_NORMALIZATION_NAME,
  NORMALIZATIONS,
  type NormalizationDefinition,
  normalizationNames,
} from './normalizations.js';
export { bcr, bcrAugment, bcrPenalty } from './penalties/consistency.js';
export { dragan, draganPenalty } from './penalties/dragan.js';
export { gradientPenalty, wganGpPenalty } from './penalties/gradientPenalty.js';
export { inputGradients, perSampleNorm, perSampleSquaredNorm } from './penalties/inputGradients.js';
export {
  ZCR_LAMBDA_DIS,
  ZCR_LAMBDA_GEN,
  ZCR_SIGMA,
  zcr,
  zcrDiscriminatorPenalty,
  zcrGeneratorPenalty,
} from './penalties/latentConsistency.js';
export { LAZY_INTERVAL, lazily } from './penalties/lazy.js';
export {
  LECAM_DECAY,
  LECAM_LAMBDA,
  type LeCamAnchors,
  type LeCamEma,
  leCamAnchors,
  leCamCarried,
  leCamPenalty,
  leCamRegularization,
  lecam,
} from './penalties/leCam.js';
export { r1, r1Penalty, r2, r2Penalty } from './penalties/r1r2.js';
export { BUILT_IN_REGULARIZERS, createRegularizer, getRegularizerDefinition, listRegularizers, NO_REGULARIZER, registerRegularizer } from './registry.js';
export { spectralNorm, spectralNormalize, spectralNormStateName, spectralNormTransform, weightMatrix } from './reparametrizations/spectralNorm.js';
export { addInstanceNoise, annealedSigma, instanceNoise } from './tricks/instanceNoise.js';
export { labelSmoothedDiscriminatorLoss, labelSmoothing, SMOOTHABLE_LOSSES } from './tricks/labelSmoothing.js';
export type {
  Augmentation,
  BoundRegularizer,
  Constraint,
  GeneratorAccess,
  GeneratorPenaltyContext,
  InputNoise,
  LabelSmoothing,
  Penalty,
  PenaltyContext,
  Regularizer,
  RegularizerDefinition,
  RegularizerKind,
  Reparametrization,
  TensorOps,
} from './types.js';
export { penaltyContext } from './types.js';
