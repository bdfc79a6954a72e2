import { type OptionSpecs, type OptionValues, resolveOptions } from '@ganbench/core';

export const PROGAN_RESOLUTIONS = [32, 64, 128] as const;
export type ProganResolution = (typeof PROGAN_RESOLUTIONS)[number];
export const PROGAN_CHANNELS = [1, 3] as const;
export type ProganChannels = (typeof PROGAN_CHANNELS)[number];

/** Karras et al. 2018 (Sec. 2): every network starts at 4×4 and doubles to the target resolution. */
export const PROGAN_BASE_RESOLUTION = 4;
export const PROGAN_LEAKY_SLOPE = 0.2;

/**
 * ProGAN (Karras, Aila, Laine, Lehtinen 2018). Growth follows the number of real images shown,
 * images = step × batchSize, where step is the generator steps the trainer has completed; the
 * schedule is a pure function of step, so a checkpoint (which holds step) resumes mid-growth.
 */
export interface ProganConfig {
  resolution: ProganResolution;
  channels: ProganChannels;
  latentDim: number;
  /** Channel cap (the paper's fmap_max = 512): nf(r) = min(width, 32·width/r), so channels halve above 32×32. */
  width: number;
  /** Images shown during each fade-in and again during each stabilization (the paper: 800k); 0: fully grown from the start. */
  imagesPerPhase: number;
  /** Images per generator step; must equal the trainer's batch size (the architecture cannot see it). */
  batchSize: number;
  /** Samples per group of the minibatch standard deviation (the paper: 4). */
  minibatchGroupSize: number;
}

export const PROGAN_OPTIONS: OptionSpecs = {
  latentDim: { type: 'integer', description: 'dimension of z ~ N(0, I), pixel-normalized before the first layer (512 in the paper)', default: 128, min: 1 },
  width: {
    type: 'integer',
    description: 'channels of every block up to 32×32, halved at each doubling above (the paper: 512; scaled down by default)',
    default: 64,
    min: 1,
  },
  imagesPerPhase: {
    type: 'integer',
    description:
      'real images shown during each fade-in and again during each stabilization (the paper: 800000); images = generator steps × batchSize; 0: no growing, the full network from the first step',
    default: 800_000,
    min: 0,
  },
  batchSize: {
    type: 'integer',
    description: 'images per generator step, to count images shown; set it to training.batchSize (D steps beyond the first are not counted)',
    default: 64,
    min: 1,
  },
  minibatchGroupSize: {
    type: 'integer',
    description: "samples per group of D's minibatch standard deviation (the paper: 4); a batch must divide into groups",
    default: 4,
    min: 2,
  },
};

/** Doublings from 4×4 to the target: 3 at 32, 4 at 64, 5 at 128. Level l has resolution 4·2^l. */
export const proganLevels = (resolution: number): number => Math.log2(resolution / PROGAN_BASE_RESOLUTION);

export const levelResolution = (level: number): number => PROGAN_BASE_RESOLUTION * 2 ** level;

/** Channels at resolution r (official code: nf = min(fmap_base/2^(log₂r − 1), fmap_max), fmap_base = 16·fmap_max): min(width, 32·width/r). */
export function proganFeatures(width: number, resolution: number): number {
  return Math.max(1, Math.min(width, Math.floor((32 * width) / resolution)));
}

/** [R, R, C] with R ∈ {32, 64, 128} and C ∈ {1, 3}, or an error naming the shape and what is allowed. */
export function proganImageShape(dataShape: readonly number[]): { resolution: ProganResolution; channels: ProganChannels } {
  const [h, w, c] = dataShape;
  const ok =
    dataShape.length === 3 &&
    h === w &&
    (PROGAN_RESOLUTIONS as readonly number[]).includes(h as number) &&
    (PROGAN_CHANNELS as readonly number[]).includes(c as number);
  if (!ok) {
    throw new Error(
      `architecture progan: dataShape [${dataShape.join(', ')}] is not allowed; must be [R, R, C] (NHWC) with R one of ${PROGAN_RESOLUTIONS.join(', ')} and C one of ${PROGAN_CHANNELS.join(', ')}`,
    );
  }
  return { resolution: h as ProganResolution, channels: c as ProganChannels };
}

/** Options with defaults filled in and every value checked (what `build` takes). */
export function resolveProganOptions(given: Readonly<Record<string, unknown>>): OptionValues {
  return resolveOptions('architecture progan', PROGAN_OPTIONS, given);
}

/** A ProganConfig from (unresolved) options and a data shape; errors name the option or the shape. */
export function resolveProganConfig(given: Readonly<Record<string, unknown>>, dataShape: readonly number[]): ProganConfig {
  const { resolution, channels } = proganImageShape(dataShape);
  const o = resolveOptions('architecture progan', PROGAN_OPTIONS, given);
  const config: ProganConfig = {
    resolution,
    channels,
    latentDim: o.latentDim as number,
    width: o.width as number,
    imagesPerPhase: o.imagesPerPhase as number,
    batchSize: o.batchSize as number,
    minibatchGroupSize: o.minibatchGroupSize as number,
  };
  const group = Math.min(config.minibatchGroupSize, config.batchSize);
  if (config.batchSize % group !== 0) {
    throw new Error(
      `architecture progan.batchSize: ${config.batchSize} is not allowed with minibatchGroupSize ${config.minibatchGroupSize}; the batch must divide into groups of ${group}`,
    );
  }
  return config;
}
