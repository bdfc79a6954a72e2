import type { SaganConfig, SaganResolution } from './config.js';

/** One residual block: channels in and out, and the side of its output. */
export interface BlockLayout {
  in: number;
  out: number;
  /** Side of the block's output feature map. */
  resolution: number;
}

export interface DiscriminatorBlockLayout extends BlockLayout {
  downsample: boolean;
}

export interface SaganLayout {
  /** Side of G's first feature map, the reshaped projection of z. */
  base: number;
  generator: GeneratorBlocks;
  discriminator: DiscriminatorBlocks;
}

interface GeneratorBlocks {
  blocks: BlockLayout[];
  /** The block after which G attends. */
  attentionAfter: number;
}

interface DiscriminatorBlocks {
  blocks: DiscriminatorBlockLayout[];
  attentionAfter: number;
}

/*
 * Channel multiples of `width` per block, from BigGAN-PyTorch's G_arch/D_arch (Brock et al. 2019),
 * whose 128-px tables are SAGAN's networks (brain-research/self-attention-gan generator.py and
 * discriminator.py); 32 px is the CIFAR-10 ResNet of SN-GAN (Miyato et al. 2018) at ch = 64.
 */
const GENERATOR_OUT: Record<SaganResolution, readonly number[]> = { 32: [4, 4, 4], 64: [16, 8, 4, 2], 128: [16, 8, 4, 2, 1] };
const GENERATOR_BASE: Record<SaganResolution, number> = { 32: 4, 64: 16, 128: 16 };
const DISCRIMINATOR_OUT: Record<SaganResolution, readonly number[]> = { 32: [4, 4, 4, 4], 64: [1, 2, 4, 8, 16], 128: [1, 2, 4, 8, 16, 16] };
/** 32 px stops halving at 8×8; 64 and 128 px halve down to 4×4 and end with one block that keeps it. */
const DISCRIMINATOR_DOWNSAMPLES: Record<SaganResolution, number> = { 32: 2, 64: 4, 128: 5 };

const BASE = 4;

/** The block after which a network attends: the first whose output side is the attention resolution. */
function attentionAfter(blocks: readonly BlockLayout[], side: number, network: string): number {
  const index = blocks.findIndex((b) => b.resolution === side);
  if (index < 0) throw new Error(`sagan: no ${network} block outputs ${side}×${side} feature maps`);
  return index;
}

/** G: z → 4×4 → blocks doubling the side to R; D: blocks halving R (the first one optimized) → 4×4 or 8×8. */
export function saganLayout(config: SaganConfig): SaganLayout {
  const w = config.width;
  const gOut = GENERATOR_OUT[config.resolution];
  const gBlocks = gOut.map((out, i) => ({
    in: (i === 0 ? GENERATOR_BASE[config.resolution] : (gOut[i - 1] as number)) * w,
    out: out * w,
    resolution: BASE * 2 ** (i + 1),
  }));
  const dOut = DISCRIMINATOR_OUT[config.resolution];
  const downsamples = DISCRIMINATOR_DOWNSAMPLES[config.resolution];
  const dBlocks = dOut.map((out, i) => ({
    in: i === 0 ? config.channels : (dOut[i - 1] as number) * w,
    out: out * w,
    downsample: i < downsamples,
    resolution: config.resolution / 2 ** Math.min(i + 1, downsamples),
  }));
  return {
    base: BASE,
    generator: { blocks: gBlocks, attentionAfter: attentionAfter(gBlocks, config.attentionResolution, 'generator') },
    discriminator: { blocks: dBlocks, attentionAfter: attentionAfter(dBlocks, config.attentionResolution, 'discriminator') },
  };
}
