import { type OptionSpecs, resolveOptions } from '@ganbench/core';

/** Output sizes: powers of two from 8 (one block above the 4×4 constant) to 128. */
export const STYLEGAN2_RESOLUTIONS = [8, 16, 32, 64, 128] as const;
export type StyleGan2Resolution = (typeof STYLEGAN2_RESOLUTIONS)[number];
export const STYLEGAN2_CHANNELS = [1, 3] as const;

/** Everything both networks are built from: the architecture's options plus the data shape. */
export interface StyleGan2Config {
  resolution: StyleGan2Resolution;
  channels: 1 | 3;
  latentDim: number;
  wDim: number;
  mappingLayers: number;
  mappingLrMul: number;
  width: number;
  maxChannels: number;
  styleMixing: number;
  truncation: number;
  pathLengthWeight: number;
  pathLengthEvery: number;
  mbstdGroupSize: number;
}

export const STYLEGAN2_OPTIONS: OptionSpecs = {
  latentDim: { type: 'integer', description: 'dimension of z ~ N(0, I) (512 in the paper)', default: 128, min: 1 },
  wDim: { type: 'integer', description: 'dimension of the intermediate latent w (512 in the paper)', default: 128, min: 1 },
  mappingLayers: { type: 'integer', description: 'dense layers of the mapping network z → w', default: 8, min: 1 },
  mappingLrMul: {
    type: 'number',
    description: 'learning-rate multiplier of the mapping network (equalized lr: stored N(0, 1)/lrMul, used × lrMul/√fan_in)',
    default: 0.01,
    min: 0,
    exclusiveMin: true,
    max: 1,
  },
  width: {
    type: 'integer',
    description: 'channels at the output resolution, doubled at each halving down to 4×4 and capped by maxChannels (official channel_base = width·R)',
    default: 32,
    min: 1,
  },
  maxChannels: { type: 'integer', description: 'cap on the channels of any block (512 in the paper)', default: 128, min: 1 },
  styleMixing: {
    type: 'number',
    description: 'probability that a training batch mixes two ws at a random crossover layer (style mixing regularization)',
    default: 0.9,
    min: 0,
    max: 1,
  },
  truncation: {
    type: 'number',
    description: 'ψ of the truncation trick at sampling time (training false): w ← w̄ + ψ(w − w̄); 1 turns it off',
    default: 1,
    min: 0,
    max: 1,
  },
  pathLengthWeight: { type: 'number', description: 'weight of the path-length penalty on G (0 turns it off)', default: 2, min: 0 },
  pathLengthEvery: {
    type: 'integer',
    description: 'lazy path-length regularization: every k generator steps, weight × k',
    default: 4,
    min: 1,
  },
  mbstdGroupSize: {
    type: 'integer',
    description: "minibatch standard deviation group size in D's last block (min(group, batch) must divide the batch)",
    default: 4,
    min: 1,
  },
};

/** Channels of the blocks at resolution `res`: min(width·R/res, maxChannels). */
export function stylegan2Channels(config: Pick<StyleGan2Config, 'resolution' | 'width' | 'maxChannels'>, res: number): number {
  return Math.min((config.width * config.resolution) / res, config.maxChannels);
}

/** Block resolutions above the 4×4 constant: 8, 16, …, R. */
export function stylegan2BlockResolutions(resolution: number): number[] {
  const out: number[] = [];
  for (let res = 8; res <= resolution; res *= 2) out.push(res);
  return out;
}

/** ws the synthesis network takes: 2·log2(R) − 2 (one per convolution; each toRGB shares the next block's first). */
export function stylegan2NumWs(resolution: number): number {
  return 2 * Math.log2(resolution) - 2;
}

/** [R, R, C] with R a power of two in 8…128 and C ∈ {1, 3}, or an error naming the shape and what is allowed. */
export function stylegan2ImageShape(dataShape: readonly number[]): { resolution: StyleGan2Resolution; channels: 1 | 3 } {
  const [h, w, c] = dataShape;
  const ok =
    dataShape.length === 3 &&
    h === w &&
    (STYLEGAN2_RESOLUTIONS as readonly number[]).includes(h as number) &&
    (STYLEGAN2_CHANNELS as readonly number[]).includes(c as number);
  if (!ok) {
    throw new Error(
      `architecture stylegan2: dataShape [${dataShape.join(', ')}] is not allowed; must be [R, R, C] (NHWC) with R one of ${STYLEGAN2_RESOLUTIONS.join(', ')} and C one of ${STYLEGAN2_CHANNELS.join(', ')} (pad 28-px data to 32)`,
    );
  }
  return { resolution: h as StyleGan2Resolution, channels: c as 1 | 3 };
}

/** A StyleGan2Config from (unresolved) options and a data shape; errors name the option or the shape. */
export function resolveStyleGan2Config(given: Readonly<Record<string, unknown>>, dataShape: readonly number[]): StyleGan2Config {
  const { resolution, channels } = stylegan2ImageShape(dataShape);
  const o = resolveOptions('architecture stylegan2', STYLEGAN2_OPTIONS, given);
  const config: StyleGan2Config = {
    resolution,
    channels,
    latentDim: o.latentDim as number,
    wDim: o.wDim as number,
    mappingLayers: o.mappingLayers as number,
    mappingLrMul: o.mappingLrMul as number,
    width: o.width as number,
    maxChannels: o.maxChannels as number,
    styleMixing: o.styleMixing as number,
    truncation: o.truncation as number,
    pathLengthWeight: o.pathLengthWeight as number,
    pathLengthEvery: o.pathLengthEvery as number,
    mbstdGroupSize: o.mbstdGroupSize as number,
  };
  return config;
}
