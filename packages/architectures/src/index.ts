/** @ganbench/architectures — generators and discriminators as pure functions of (parameters, input). */
export { isMlpActivation, MLP_ACTIVATIONS, type MlpActivation } from './mlp/activations.js';
export {
  type ChoiceSpec,
  describeMlpOptions,
  MLP_DEFAULTS,
  MLP_INITS,
  type MlpConfig,
  type MlpInit,
  type MlpRole,
  type MlpSpec,
  resolveMlpConfig,
} from './mlp/config.js';
export { initMlp, type MlpForwardConfig, type MlpInitConfig, mlp, mlpLayerNames, mlpParameterCount } from './mlp/mlp.js';
export { orthogonalMatrix } from './mlp/orthogonal.js';
