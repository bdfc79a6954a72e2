import { tf } from '@ganbench/core';
import type { RegularizerDefinition } from '../types.js';

/** Arjovsky et al. 2017, Algorithm 1, line 7: w ← clip(w, −c, c) after every critic update. */
export function clipWeights(variables: readonly tf.Variable[], c: number): void {
  for (const v of variables) {
    const clipped = tf.clipByValue(v, -c, c);
    v.assign(clipped);
    // assign shares the data; the tensor object still counts until it is disposed.
    clipped.dispose();
  }
}

export const weightClipping: RegularizerDefinition = {
  name: 'weight-clipping',
  kind: 'constraint',
  description: 'keeps every discriminator weight in [−c, c] (a crude Lipschitz bound for the WGAN critic)',
  reference: 'Arjovsky, Chintala, Bottou 2017, Wasserstein GAN, Algorithm 1',
  params: { c: { type: 'number', description: 'clipping bound c', default: 0.01, min: 0, exclusiveMin: true } },
  create: (p) => ({ kind: 'constraint', apply: (variables) => clipWeights(variables, p.c as number) }),
};
