import { type Rng, tf } from '@ganbench/core';
import type { RegularizerDefinition } from '../types.js';

/*
 * DiffAugment (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN Training"), after the authors'
 * DiffAugment_pytorch.py, on NHWC images in [−1, 1]. Every op is differentiable with respect to the images (the
 * random parameters are constants drawn in JavaScript from an explicit Rng), so it is applied to real and fake
 * images alike, in D's and in G's step; the same Rng state gives the same augmentation.
 */

export const DIFF_AUGMENT_POLICIES = ['color', 'translation', 'cutout'] as const;
export type DiffAugmentPolicy = (typeof DIFF_AUGMENT_POLICIES)[number];

function perImage(values: Float32Array): tf.Tensor4D {
  return tf.tensor4d(values, [values.length, 1, 1, 1]);
}

/** Brightness: x + (u − 0.5), u ~ U[0, 1) per image. */
export function randBrightness(x: tf.Tensor4D, rng: Rng): tf.Tensor4D {
  const u = rng.uniformArray(x.shape[0]);
  return tf.tidy(() => tf.add(x, tf.sub(perImage(u), 0.5)));
}

/** Saturation: (x − mean_c x)·2u + mean_c x, u ~ U[0, 1) per image (mean over the channels of each pixel). */
export function randSaturation(x: tf.Tensor4D, rng: Rng): tf.Tensor4D {
  const u = rng.uniformArray(x.shape[0]);
  return tf.tidy(() => {
    const m = tf.mean(x, 3, true);
    return tf.add(tf.mul(tf.sub(x, m), tf.mul(perImage(u), 2)), m);
  });
}

/** Contrast: (x − mean x)·(u + 0.5) + mean x, u ~ U[0, 1) per image (mean over the whole image). */
export function randContrast(x: tf.Tensor4D, rng: Rng): tf.Tensor4D {
  const u = rng.uniformArray(x.shape[0]);
  return tf.tidy(() => {
    const m = tf.mean(x, [1, 2, 3], true);
    return tf.add(tf.mul(tf.sub(x, m), tf.add(perImage(u), 0.5)), m);
  });
}

/** Integer shifts in [−s, s], s = ⌊size·ratio + ½⌋, for each image: the authors' randint(−s, s + 1). */
function shifts(rng: Rng, batch: number, s: number): number[] {
  return Array.from({ length: batch }, () => rng.int(2 * s + 1) - s);
}

/**
 * Translation by up to 1/8 of the image, zero padded: out[h, w] = x[h + t_h, w + t_w] (0 outside), t_h and t_w
 * integers uniform in [−⌊H/8 + ½⌋, ⌊H/8 + ½⌋] per image (all t_h drawn first, then all t_w).
 */
export function randTranslation(x: tf.Tensor4D, rng: Rng, ratio = 0.125): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const sh = Math.floor(h * ratio + 0.5);
  const sw = Math.floor(w * ratio + 0.5);
  const th = shifts(rng, n, sh);
  const tw = shifts(rng, n, sw);
  return tf.tidy(() => {
    const padded = tf.pad(x, [
      [0, 0],
      [sh, sh],
      [sw, sw],
      [0, 0],
    ]);
    const images = th.map((t, b) => tf.slice(padded, [b, sh + t, sw + (tw[b] as number), 0], [1, h, w, c]));
    return tf.concat(images, 0);
  });
}

/**
 * The cutout mask [N, H, W, 1] (Zhao et al. 2020; DeVries & Taylor 2017): a square of side ⌊size·ratio + ½⌋ centred at
 * an offset uniform in [0, size + (1 − side mod 2)) per axis, clipped to the image, set to 0 (offsets for rows first).
 */
export function cutoutMask(rng: Rng, [n, h, w]: readonly number[], ratio = 0.5): Float32Array {
  const [bn, bh, bw] = [n as number, h as number, w as number];
  const sideH = Math.floor(bh * ratio + 0.5);
  const sideW = Math.floor(bw * ratio + 0.5);
  const oh = Array.from({ length: bn }, () => rng.int(bh + (1 - (sideH % 2))));
  const ow = Array.from({ length: bn }, () => rng.int(bw + (1 - (sideW % 2))));
  const mask = new Float32Array(bn * bh * bw).fill(1);
  for (let b = 0; b < bn; b++) {
    const top = (oh[b] as number) - Math.floor(sideH / 2);
    const left = (ow[b] as number) - Math.floor(sideW / 2);
    for (let i = Math.max(0, top); i < Math.min(bh, top + sideH); i++)
      for (let j = Math.max(0, left); j < Math.min(bw, left + sideW); j++) mask[(b * bh + i) * bw + j] = 0;
  }
  return mask;
}

/** Cutout of half the image size: x·mask, the mask from `cutoutMask`. */
export function randCutout(x: tf.Tensor4D, rng: Rng, ratio = 0.5): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const mask = cutoutMask(rng, [n, h, w], ratio);
  return tf.tidy(() => tf.mul(x, tf.tensor4d(mask, [n, h, w, 1])));
}

/**
 * DiffAugment T(x) with the given policies in the authors' order: color (brightness, saturation, contrast),
 * translation, cutout. D sees T(x) for reals and T(G(z)) for fakes, in both players' steps.
 */
export function diffAugment(x: tf.Tensor4D, rng: Rng, policies: readonly DiffAugmentPolicy[] = DIFF_AUGMENT_POLICIES): tf.Tensor4D {
  for (const p of policies) {
    if (!DIFF_AUGMENT_POLICIES.includes(p)) throw new Error(`diffAugment: unknown policy '${p}'; allowed: ${DIFF_AUGMENT_POLICIES.join(', ')}`);
  }
  return tf.tidy(() => {
    let y = x;
    for (const p of DIFF_AUGMENT_POLICIES) {
      if (!policies.includes(p)) continue;
      if (p === 'color') y = randContrast(randSaturation(randBrightness(y, rng), rng), rng);
      else if (p === 'translation') y = randTranslation(y, rng);
      else y = randCutout(y, rng);
    }
    return y;
  });
}

/** The `policy` values: every non-empty set of policies, comma-separated in the authors' order (`color,translation,cutout`). */
export const DIFF_AUGMENT_POLICY_VALUES: readonly string[] = Array.from({ length: 2 ** DIFF_AUGMENT_POLICIES.length - 1 }, (_, i) => i + 1)
  .sort((a, b) => bitCount(b) - bitCount(a) || a - b)
  .map((mask) => DIFF_AUGMENT_POLICIES.filter((_, k) => mask & (1 << k)).join(','));

function bitCount(n: number): number {
  let count = 0;
  for (let m = n; m > 0; m >>= 1) count += m & 1;
  return count;
}

/** The registered regularizer `diffaugment`: an augmentation of every image D sees (see `diffAugment`). */
export const diffAugmentRegularizer: RegularizerDefinition = {
  name: 'diffaugment',
  kind: 'augmentation',
  description: "differentiable augmentation of real and fake images before D, in both players' steps (image datasets only)",
  reference: 'Zhao et al. 2020, Differentiable Augmentation for Data-Efficient GAN Training',
  params: {
    policy: {
      type: 'string',
      description: 'the augmentations, comma-separated in this order: color (brightness, saturation, contrast), translation (1/8), cutout (1/2)',
      default: DIFF_AUGMENT_POLICIES.join(','),
      allowed: DIFF_AUGMENT_POLICY_VALUES,
    },
  },
  create: (p) => {
    const policies = (p.policy as string).split(',') as DiffAugmentPolicy[];
    return {
      kind: 'augmentation',
      augment: (x, rng) => {
        if (x.rank !== 4) throw new Error(`diffaugment: augments images [N, H, W, C]; got a tensor of shape [${x.shape.join(', ')}]`);
        return diffAugment(x as tf.Tensor4D, rng, policies);
      },
    };
  },
};
