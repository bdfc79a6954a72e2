import type { tf } from '@ganbench/core';

export const IMAGE_RESOLUTIONS = [28, 32, 64] as const;
export type ImageResolution = (typeof IMAGE_RESOLUTIONS)[number];
export const IMAGE_CHANNELS = [1, 3] as const;
export type ImageChannels = (typeof IMAGE_CHANNELS)[number];

/** [R, R, C] with R ∈ {28, 32, 64} and C ∈ {1, 3}, or an error naming the shape and what is allowed. */
export function imageShape(owner: string, dataShape: readonly number[]): { resolution: ImageResolution; channels: ImageChannels } {
  const [h, w, c] = dataShape;
  const ok =
    dataShape.length === 3 &&
    h === w &&
    (IMAGE_RESOLUTIONS as readonly number[]).includes(h as number) &&
    (IMAGE_CHANNELS as readonly number[]).includes(c as number);
  if (!ok) {
    throw new Error(
      `${owner}: dataShape [${dataShape.join(', ')}] is not allowed; must be [R, R, C] (NHWC) with R one of ${IMAGE_RESOLUTIONS.join(', ')} and C one of ${IMAGE_CHANNELS.join(', ')}`,
    );
  }
  return { resolution: h as ImageResolution, channels: c as ImageChannels };
}

export function checkLatent(owner: string, z: tf.Tensor, latentDim: number): void {
  if (z.rank !== 2 || z.shape[1] !== latentDim) throw new Error(`${owner}: z of shape [${z.shape}] is not allowed; must be [N, ${latentDim}]`);
}

export function checkImages(owner: string, x: tf.Tensor, resolution: number, channels: number): void {
  if (x.rank !== 4 || x.shape[1] !== resolution || x.shape[2] !== resolution || x.shape[3] !== channels) {
    throw new Error(`${owner}: x of shape [${x.shape}] is not allowed; must be [N, ${resolution}, ${resolution}, ${channels}] (NHWC)`);
  }
}
