import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './plugins.js';

const NAME = /^[a-z][a-z0-9-]*$/;

const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function indexTs(name: string): string {
  const c = camel(name);
  return `import type { tf } from '@ganbench/core';
import type { LossDefinition, TensorOps } from '@ganbench/losses';

// Discriminator outputs are logits, high on real data; every loss is a mean over the batch.
// \`ops\` is TensorFlow.js (the same engine ganbench runs), so this file needs no runtime imports.

/** TODO: <authors> <year>, Eq. <n>: what the discriminator minimizes. */
export function ${c}DiscriminatorLoss(ops: TensorOps, real: tf.Tensor, fake: tf.Tensor): tf.Scalar {
  throw new Error('loss ${name}: discriminatorLoss is not written yet (src/index.ts)');
}

/** TODO: <authors> <year>, Eq. <n>: what the generator minimizes. */
export function ${c}GeneratorLoss(ops: TensorOps, fake: tf.Tensor, real: tf.Tensor): tf.Scalar {
  throw new Error('loss ${name}: generatorLoss is not written yet (src/index.ts)');
}

export const ${c}Loss: LossDefinition = {
  name: '${name}',
  description: 'TODO: one line on what this loss does',
  reference: 'TODO: paper, equation',
  // Hyperparameters, e.g. margin: { type: 'number', description: 'margin m', default: 1, min: 0, exclusiveMin: true }
  params: {},
  create: (_params, ops) => ({
    discriminatorLoss: (real, fake) => ${c}DiscriminatorLoss(ops, real, fake),
    generatorLoss: (fake, real) => ${c}GeneratorLoss(ops, fake, real),
  }),
};

export default { losses: [${c}Loss] };
`;
}

function testTs(name: string): string {
  const c = camel(name);
  return `import { initBackend, tf } from '@ganbench/core';
import { checkGradients, testValues } from '@ganbench/core/testing';
import { createLoss, registerLoss } from '@ganbench/losses';
import { beforeAll, describe, expect, it } from 'vitest';
import { ${c}Loss } from './index.js';

// Work these two out by hand (or in float64 with numpy) from the paper's equations for these logits;
// the test fails until they and the code in src/index.ts agree.
const REAL = [1.5, -0.5, 2];
const FAKE = [-1, 0.25, 0.75];
const EXPECTED_DISCRIMINATOR_LOSS = Number.NaN;
const EXPECTED_GENERATOR_LOSS = Number.NaN;

/** Keeps both inputs on the tape (a generator loss may ignore the real logits). */
const connected = (loss: tf.Scalar, ...inputs: tf.Tensor[]) => inputs.reduce((acc, x) => tf.add(acc, tf.mul(0, tf.sum(x))), loss) as tf.Scalar;

describe('loss ${name}', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    registerLoss(${c}Loss);
  });

  it('matches the values computed by hand', () => {
    const loss = createLoss('${name}');
    const [d, g] = tf.tidy(() => [
      loss.discriminatorLoss(tf.tensor1d(REAL), tf.tensor1d(FAKE)).dataSync()[0] as number,
      loss.generatorLoss(tf.tensor1d(FAKE), tf.tensor1d(REAL)).dataSync()[0] as number,
    ]);
    expect(d).toBeCloseTo(EXPECTED_DISCRIMINATOR_LOSS, 5);
    expect(g).toBeCloseTo(EXPECTED_GENERATOR_LOSS, 5);
  });

  it('has gradients that match central finite differences', () => {
    const loss = createLoss('${name}');
    const inputs = [
      { shape: [6], values: testValues(6, 1, -2, 2, 0.1) },
      { shape: [6], values: testValues(6, 2, -2, 2, 0.1) },
    ];
    const d = checkGradients((r, f) => connected(loss.discriminatorLoss(r as tf.Tensor, f as tf.Tensor), r as tf.Tensor, f as tf.Tensor), inputs, { h: 1e-3 });
    const g = checkGradients((f, r) => connected(loss.generatorLoss(f as tf.Tensor, r as tf.Tensor), f as tf.Tensor, r as tf.Tensor), inputs, { h: 1e-3 });
    expect(d.maxError).toBeLessThan(5e-3);
    expect(g.maxError).toBeLessThan(5e-3);
  });

  it('stays finite for logits of ±100', () => {
    const loss = createLoss('${name}');
    const values = tf.tidy(() => {
      const real = tf.tensor1d([100, -100, 0]);
      const fake = tf.tensor1d([-100, 100, 0]);
      return [loss.discriminatorLoss(real, fake), loss.generatorLoss(fake, real)].flatMap((t) => Array.from(t.dataSync()));
    });
    expect(values.every(Number.isFinite)).toBe(true);
  });
});
`;
}

function readme(name: string, dir: string): string {
  const rel = path.relative(REPO_ROOT, dir) || '.';
  return `# loss \`${name}\`

A ganbench loss plugin. Fill in the two functions in \`src/index.ts\` (means over the batch of
discriminator logits, high on real data), then the two hand-computed values at the top of
\`src/${name}.test.ts\`, and run its tests:

\`\`\`sh
npx pnpm@10.34.8 install          # links this package into the workspace
npx pnpm@10.34.8 exec vitest run ${rel}
\`\`\`

Inside \`packages/\` ganbench finds the plugin by itself (\`"ganbench": { "plugin": ... }\` in
package.json); elsewhere name it with \`--plugin ${rel}\`.

\`\`\`sh
pnpm ganbench list losses
pnpm ganbench toy dirac --loss ${name} --json
\`\`\`
`;
}

function packageJson(name: string, dir: string): string {
  const manifest = {
    name: `@ganbench/loss-${name}`,
    version: '0.1.0',
    private: true,
    type: 'module',
    description: `ganbench loss plugin: ${name}`,
    exports: { '.': './src/index.ts' },
    ganbench: { plugin: './src/index.ts' },
    scripts: {
      typecheck: 'tsc -p tsconfig.json --noEmit',
      lint: 'biome lint src',
      test: `vitest run --root ${path.relative(dir, REPO_ROOT) || '.'} ${path.relative(REPO_ROOT, dir)}`,
    },
    dependencies: { '@ganbench/core': 'workspace:*', '@ganbench/losses': 'workspace:*' },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Writes packages/loss-<name> (or `dir`): the function pair, its registry entry, a failing test and a README. */
export function scaffoldLoss(name: string, dir = path.join(REPO_ROOT, 'packages', `loss-${name}`)): string[] {
  if (!NAME.test(name)) throw new Error(`name: '${name}' is not allowed; use lowercase letters, digits and dashes, starting with a letter`);
  if (existsSync(dir)) throw new Error(`--dir: ${dir} already exists; nothing was written`);
  const files: Record<string, string> = {
    'package.json': packageJson(name, dir),
    'tsconfig.json': `${JSON.stringify({ extends: path.relative(dir, path.join(REPO_ROOT, 'tsconfig.base.json')), include: ['src'] }, null, 2)}\n`,
    'README.md': readme(name, dir),
    'src/index.ts': indexTs(name),
    [`src/${name}.test.ts`]: testTs(name),
  };
  // Written into a sibling folder and renamed, so a failure leaves nothing half-written.
  const staging = `${dir}.partial-${process.pid}`;
  try {
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(staging, file)), { recursive: true });
      writeFileSync(path.join(staging, file), text);
    }
    mkdirSync(path.dirname(dir), { recursive: true });
    renameSync(staging, dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return Object.keys(files).map((f) => path.join(dir, f));
}
