import { attentionChannels } from './attention.js';
import type { SaganConfig } from './config.js';
import { discriminatorShortcutLearned } from './discriminatorBlock.js';
import { generatorShortcutLearned } from './generatorBlock.js';
import { saganLayout } from './layout.js';

const conv = (k: number, cin: number, cout: number, bias = true) => k * k * cin * cout + (bias ? cout : 0);

/** query, key, value and out 1×1 kernels (no biases) and γ. */
function attentionCount(c: number): number {
  const { queryKey, value } = attentionChannels(c);
  return 2 * conv(1, c, queryKey, false) + conv(1, c, value, false) + conv(1, value, c, false) + 1;
}

/** Trainable scalars of G and D (batch-norm running statistics and power-iteration u vectors excluded), from the layout. */
export function saganParameterCount(config: SaganConfig): { generator: number; discriminator: number } {
  const { base, generator: g, discriminator: d } = saganLayout(config);
  const first = g.blocks[0] as { in: number };
  let generator = config.latentDim * base * base * first.in + base * base * first.in;
  g.blocks.forEach((b, i) => {
    generator += 2 * b.in + conv(3, b.in, b.out) + 2 * b.out + conv(3, b.out, b.out);
    if (generatorShortcutLearned(b)) generator += conv(1, b.in, b.out);
    if (i === g.attentionAfter) generator += attentionCount(b.out);
  });
  const gLast = (g.blocks[g.blocks.length - 1] as { out: number }).out;
  generator += 2 * gLast + conv(3, gLast, config.channels);
  let discriminator = 0;
  d.blocks.forEach((b, i) => {
    discriminator += conv(3, b.in, b.out) + conv(3, b.out, b.out);
    if (discriminatorShortcutLearned(b)) discriminator += conv(1, b.in, b.out);
    if (i === d.attentionAfter) discriminator += attentionCount(b.out);
  });
  discriminator += (d.blocks[d.blocks.length - 1] as { out: number }).out + 1;
  return { generator, discriminator };
}
