import { expandStudy } from './src/expand.ts';
import { trialId } from './src/ids.ts';
import { parseStudy } from './src/parse.ts';

const text = `
name: quick
dataset: { name: ring }
architecture: { name: mlp }
training: { steps: 100, batchSize: 64 }
evaluation: { every: 50, samples: 1000, metrics: [modes_covered, frechet_2d] }
seeds: 2
search:
  kind: grid
  space:
    loss: [minimax, hinge]
    regularizer: [none, gradient-penalty, r1]
    regularizer.lambda: [1, 10]
    regularizer.gamma: [1]
`;
const s = parseStudy(text, 'quick.yaml');
const t = expandStudy(s);
console.log(t.length, t.map(trialId).slice(0, 3));
console.log(JSON.stringify(t[3]));
const bad = [
  text.replace('steps: 100', 'steps: 0'),
  text.replace('regularizer.lambda', 'regularizer.lamda'),
  text.replace('[minimax, hinge]', '[minimax, hinje]'),
  text.replace('kind: grid', 'kind: gird'),
  text.replace('  space:', '  spaec:'),
  text.replace('loss: [minimax, hinge]', 'training.optimizer.lr: [0.1, -1]\n    training.optimzer.beta1: [0.5]\n    training.optimizer.decay: [0.5]'),
  text.replace('loss: [minimax, hinge]', 'variant: [{loss: wasserstein, regularizer: weight-clipping, regularizer.lambda: 3}]'),
  text.replace('architecture: { name: mlp }', 'architecture: { name: mlp, options: { gWidth: -1, foo: 2 } }'),
  text.replace('metrics: [modes_covered, frechet_2d]', 'metrics: [modes_covered, fid2]\n  primary: fid'),
  text.replace('seeds: 2', 'seeds: [1, 1]'),
  text.replace('seeds: 2', 'seeds: 1.5\nfoo: 1'),
  text.replace('training: { steps: 100, batchSize: 64 }', 'training: { steps: 100, batchSize: 64, optimizer: { name: adan } }'),
  `name: r\ndataset: {name: ring}\narchitecture: {name: mlp}\ntraining: {steps: 10, batchSize: 2}\nevaluation: {every: 5, samples: 10, metrics: [fid]}\nloss: hinge\nsearch:\n  kind: random\n  trials: 5\n  space:\n    training.optimizer.lr: {logUniform: [0, 1e-2]}\n    training.nDisc: {uniform: [1, 5]}\n    regularizer.lambda: {logUniform: [0.1, 100], choice: [1]}\n    loss: {uniform: [1, 2]}\n    architecture.gWidth: {intUniform: [0, 4]}\n`,
  'name: x\n  bad: [',
];
for (const b of bad) {
  try {
    parseStudy(b, 'bad.yaml');
    console.log('NO ERROR');
  } catch (e) {
    console.log((e as Error).message);
  }
  console.log('--');
}
