import { type OptionSpecs, resolveOptions } from '@ganbench/core';

export const SAGAN_RESOLUTIONS = [32, 64, 128] as const;
export type SaganResolution = (typeof SAGAN_RESOLUTIONS)[number];
export const SAGAN_CHANNELS = [1, 3] as const;
export type SaganChannels = (typeof SAGAN_CHANNELS)[number];

/** The attention resolution the option's 0 stands for: R/2 up to 32 (SAGAN's 128-px networks attend at 32×32, Zhang et al. 2019, Sec. 5.1). */
export const autoAttentionResolution = (resolution: SaganResolution): number => Math.min(resolution / 2, 32);

export interface SaganConfig {
  resolution: SaganResolution;
  channels: SaganChannels;
  latentDim: number;
  /** Channel multiplier `ch` of the BigGAN tables (64 in SAGAN and BigGAN). */
  width: number;
  /** Side of the feature maps both networks attend over (resolved: never 0). */
  attentionResolution: number;
  /** Power-iteration steps per training forward pass (SAGAN: 1). */
  powerIterations: number;
}

export const SAGAN_OPTIONS: OptionSpecs = {
  latentDim: { type: 'integer', description: 'dimension of z ~ N(0, I)', default: 128, min: 1 },
  width: {
    type: 'integer',
    description: 'channel multiplier ch of the BigGAN tables: G 4ch/D 4ch at 32 px, G 16ch→2ch/D ch→16ch at 64, G 16ch→ch/D ch→16ch at 128 (64 in the papers)',
    default: 64,
    min: 1,
  },
  attentionResolution: {
    type: 'integer',
    description: 'side of the feature maps where G and D attend (8 … R/2); 0: R/2 up to 32 (16 at 32 px, 32 at 64 and 128 px)',
    default: 0,
    allowed: [0, 8, 16, 32, 64],
  },
  powerIterations: { type: 'integer', description: 'spectral-norm power-iteration steps per training forward pass (SAGAN: 1)', default: 1, min: 1 },
};

/** [R, R, C] with R ∈ {32, 64, 128} and C ∈ {1, 3}, or an error naming the shape and what is allowed. */
export function saganImageShape(dataShape: readonly number[]): { resolution: SaganResolution; channels: SaganChannels } {
  const [h, w, c] = dataShape;
  const ok =
    dataShape.length === 3 &&
    h === w &&
    (SAGAN_RESOLUTIONS as readonly number[]).includes(h as number) &&
    (SAGAN_CHANNELS as readonly number[]).includes(c as number);
  if (!ok) {
    throw new Error(
      `architecture sagan: dataShape [${dataShape.join(', ')}] is not allowed; must be [R, R, C] (NHWC) with R one of ${SAGAN_RESOLUTIONS.join(', ')} and C one of ${SAGAN_CHANNELS.join(', ')}`,
    );
  }
  return { resolution: h as SaganResolution, channels: c as SaganChannels };
}

/** Sides where both networks have a block output to attend over: G's blocks end at 8 … R, D's at R/2 … 4. */
export function attentionResolutionsAt(resolution: SaganResolution): number[] {
  const sides: number[] = [];
  for (let r = 8; r <= resolution / 2; r *= 2) sides.push(r);
  return sides;
}

/** A SaganConfig from (unresolved) options and a data shape; errors name the option or the shape, the value and what is allowed. */
export function resolveSaganConfig(given: Readonly<Record<string, unknown>>, dataShape: readonly number[]): SaganConfig {
  const { resolution, channels } = saganImageShape(dataShape);
  const o = resolveOptions('architecture sagan', SAGAN_OPTIONS, given);
  const requested = o.attentionResolution as number;
  const allowed = attentionResolutionsAt(resolution);
  if (requested !== 0 && !allowed.includes(requested)) {
    throw new Error(
      `architecture sagan.attentionResolution: ${requested} is not allowed at ${resolution} px; must be one of ${allowed.join(', ')}, or 0 (${autoAttentionResolution(resolution)})`,
    );
  }
  return {
    resolution,
    channels,
    latentDim: o.latentDim as number,
    width: o.width as number,
    attentionResolution: requested === 0 ? autoAttentionResolution(resolution) : requested,
    powerIterations: o.powerIterations as number,
  };
}
