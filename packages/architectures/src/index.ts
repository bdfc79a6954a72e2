/** @ganbench/architectures — generators and discriminators as pure functions of (parameters, input): MLP, DCGAN, SNDCGAN, the autoencoder D of EBGAN and BEGAN, and a registry of them. */

export {
  AUTOENCODER_POINT_LAYERS,
  type AutoencoderConfig,
  type AutoencoderData,
  autoencoderDiscriminator,
  autoencoderEmbedding,
  autoencoderGenerator,
  autoencoderReconstruction,
  initAutoencoderDiscriminator,
  initAutoencoderGenerator,
  RECONSTRUCTION_NORMS,
  type ReconstructionNorm,
  reconstructionEnergy,
} from './autoencoder/autoencoder.js';
export {
  AUTOENCODER_OPTIONS,
  AUTOENCODER_RECOMMENDED,
  autoencoderArchitecture,
  defaultEmbedding,
  resolveAutoencoderConfig,
} from './autoencoder/definition.js';
export {
  DCGAN_LEAKY_SLOPE,
  type DcganConfig,
  dcganDiscriminator,
  dcganGenerator,
  dcganLayout,
  dcganParameterCount,
  dcganReferenceZName,
  initDcganDiscriminator,
  initDcganGenerator,
} from './dcgan/dcgan.js';
export { DCGAN_OPTIONS, dcganArchitecture, resolveDcganConfig, resolveSndcganConfig, SNDCGAN_OPTIONS, sndcganArchitecture } from './dcgan/definitions.js';
export { IMAGE_CHANNELS, IMAGE_RESOLUTIONS, type ImageChannels, type ImageResolution, imageShape } from './dcgan/imageShape.js';
export {
  initSndcganDiscriminator,
  initSndcganGenerator,
  SNDCGAN_LEAKY_SLOPE,
  SNDCGAN_SPECTRAL_NORM_CONFLICT,
  type SndcganConfig,
  sndcganDiscriminator,
  sndcganDiscriminatorLayers,
  sndcganGenerator,
  sndcganLayout,
  sndcganParameterCount,
  sndcganSpectralNorm,
  sndcganStateName,
} from './dcgan/sndcgan.js';
export { isMlpActivation, MLP_ACTIVATIONS, type MlpActivation } from './mlp/activations.js';
export {
  MLP_DEFAULTS,
  MLP_INITS,
  type MlpConfig,
  type MlpInit,
  type MlpRole,
  type MlpSpec,
  resolveMlpConfig,
} from './mlp/config.js';
export { MLP_OPTIONS, mlpArchitecture } from './mlp/definition.js';
export { initMlp, type MlpForwardConfig, type MlpInitConfig, mlp, mlpLayerNames, mlpParameterCount } from './mlp/mlp.js';
export { orthogonalMatrix } from './mlp/orthogonal.js';
export * from './progan/index.js';
export {
  BUILT_IN_ARCHITECTURES,
  checkArchitecture,
  createArchitecture,
  DEFAULT_NORMALIZATIONS,
  getArchitecture,
  listArchitectures,
  registerArchitecture,
  resolveArchitectureOptions,
} from './registry.js';
export * from './sagan/index.js';
export * from './stylegan2/index.js';
export type {
  ArchitectureContext,
  ArchitectureDefinition,
  GanNetworks,
  NetworkOptions,
} from './types.js';
