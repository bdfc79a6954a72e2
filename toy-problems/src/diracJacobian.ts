import { type OptionValues, tf } from '@ganbench/core';
import { type DiracConfig, type DiracField, type DiracGame, diracGame, diracRegularizersLabel } from './dirac.js';

export type Matrix2 = [[number, number], [number, number]];
/** [re, im] */
export type Complex = [number, number];

export interface DiracEigenvalues {
  /** Eigenvalues of the Jacobian of the continuous gradient field at (0, 0); null where (0, 0) is not a stationary point. */
  eigenvalues: [Complex, Complex] | null;
  jacobian: Matrix2 | null;
  /** Why eigenvalues are null, or what the closed form assumed. */
  note?: string;
}

/** a ± bi with a true minus sign, for summaries and the command line. */
export function formatComplex([re, im]: Complex, digits = 3): string {
  return `${re < 0 ? '−' : ''}${Math.abs(re).toFixed(digits)} ${im < 0 ? '−' : '+'} ${Math.abs(im).toFixed(digits)}i`;
}

/** The eigenvalues with their note, or why there are none. */
export function describeEigenvalues({ eigenvalues, note }: Pick<DiracEigenvalues, 'eigenvalues' | 'note'>, digits = 3): string {
  if (eigenvalues === null) return `none: ${note ?? ''}`;
  return `${eigenvalues.map((e) => formatComplex(e, digits)).join(', ')}${note === undefined ? '' : ` (${note})`}`;
}

/** Roots of λ² − tr·λ + det = 0. */
export function eigenvalues2(m: Matrix2): [Complex, Complex] {
  const half = (m[0][0] + m[1][1]) / 2;
  const discriminant = half * half - (m[0][0] * m[1][1] - m[0][1] * m[1][0]);
  const root = Math.sqrt(Math.abs(discriminant));
  return discriminant >= 0
    ? [
        [half + root, 0],
        [half - root, 0],
      ]
    : [
        [half, root],
        [half, -root],
      ];
}

interface LogitDerivatives {
  /** ∂ℓ_D/∂f: how the discriminator's loss changes with its fake logit f, at r = f = 0. */
  dFake: number;
  /** ∂ℓ_G/∂f at f = r = 0. */
  gFake: number;
  /** ∂²ℓ_D/∂r², ∂²ℓ_D/∂f², ∂²ℓ_D/∂r∂f at 0: the curvature instance noise averages over. */
  dRealReal: number;
  dFakeFake: number;
  dRealFake: number;
}

/** Exact derivatives (autograd) of the configured losses as functions of one real and one fake logit, at 0. */
function logitDerivatives({ loss, objective }: DiracGame): LogitDerivatives {
  const dLoss = (r: tf.Tensor, f: tf.Tensor) => objective.discriminatorLoss(r, f);
  return tf.tidy(() => {
    // A fresh tensor per argument: tf.grads with respect to a tensor passed twice would add both partials.
    const zero = () => tf.zeros([1]);
    const read = (t: tf.Tensor) => t.dataSync()[0] as number;
    const dReal = (r: tf.Tensor, f: tf.Tensor) => partial((a) => dLoss(a, f), r);
    const dFake = (r: tf.Tensor, f: tf.Tensor) => partial((b) => dLoss(r, b), f);
    return {
      dFake: read(dFake(zero(), zero())),
      gFake: read(partial((f) => loss.generatorLoss(f, zero()), zero())),
      dRealReal: read(partial((r) => dReal(r, zero()), zero())),
      dFakeFake: read(partial((f) => dFake(zero(), f), zero())),
      dRealFake: read(partial((r) => dFake(r, zero()), zero())),
    };
  });
}

/** ∂y/∂x, zero where y does not depend on x (tf.grad throws there; a loss linear in its logit has constant first derivatives). */
function partial(y: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): tf.Tensor {
  return tf.grad((v: tf.Tensor) => tf.add(y(v), tf.mul(0, tf.sum(v))))(x);
}

/** How much the regularizer damps ψ near 0: ψ̇ gains −ρψ. A string says why there is no such ρ; null: no closed form known. */
function damping(reg: string, params: OptionValues, loss: string, derivatives: LogitDerivatives): { rho: number; note?: string } | string | null {
  const value = (name: string) => params[name] as number;
  switch (reg) {
    case 'none':
    case 'label-smoothing':
      return { rho: 0 };
    case 'r1':
    case 'r2':
      // γ/2·‖∇ₓD‖² = γ/2·ψ² (Mescheder et al. 2018, Eq. 9–10); lazy application rescales by its interval, the same in expectation.
      return { rho: value('gamma') };
    case 'weight-clipping':
      return { rho: 0, note: `the clip |ψ| ≤ ${value('c')} is inactive near (0, 0)` };
    case 'gradient-penalty':
      if (value('target') === 0) return { rho: 2 * value('lambda') };
      if (value('oneSided')) return { rho: 0, note: `the one-sided penalty is zero while |ψ| < ${value('target')}` };
      return `(0, 0) is not a stationary point: the penalty λ(|ψ| − ${value('target')})² pushes ψ away from 0, where it is not differentiable`;
    case 'dragan':
      return '(0, 0) is not a stationary point: the penalty λ(|ψ| − 1)² pushes ψ away from 0, where it is not differentiable';
    case 'instance-noise': {
      // ψ̇ = −E[(θ+ε)ℓ_f(ψ(θ+ε)) + ε·ℓ_r(ψε)]: the ε² terms give −σ²(ℓ_rr + ℓ_ff)ψ (Mescheder et al. 2018, Lemma 2.6 for f(t)).
      if (Math.abs(derivatives.dRealFake) > 1e-9)
        return `no closed form for instance noise with '${loss}', whose discriminator loss couples real and fake samples`;
      const sigma = value('sigma');
      const annealed = value('annealSteps') > 0 ? ` (σ = ${sigma}, before annealing)` : undefined;
      return {
        rho: sigma * sigma * (derivatives.dRealReal + derivatives.dFakeFake),
        ...(annealed === undefined ? {} : { note: `at the first step${annealed}` }),
      };
    }
    default:
      return null;
  }
}

/**
 * The Jacobian of (θ̇, ψ̇) = −(∂θ L_G, ∂ψ L_D) at (0, 0) in closed form: with ℓ_D, ℓ_G the losses
 * as functions of the logits, it is [[0, −ℓ_G′], [−ℓ_D′, −ρ]] (Mescheder et al. 2018, Sec. 2.2), so
 * f′(0) = ½ gives ±½i unregularized. Consensus turns J into J − γJᵀJ.
 */
export function diracEigenvalues(config: DiracConfig): DiracEigenvalues {
  const game = diracGame(config);
  const derivatives = logitDerivatives(game);
  // The compiled objective sums the penalties, so their dampings add; one without a stationary (0, 0) decides for all.
  const regName = diracRegularizersLabel(config);
  const parts =
    game.regularizers.length === 0
      ? [damping('none', {}, config.loss.name, derivatives)]
      : game.regularizers.map((r) => damping(r.name, r.params, config.loss.name, derivatives));
  const blocking = parts.find((part): part is string => typeof part === 'string');
  if (blocking !== undefined) return { eigenvalues: null, jacobian: null, note: blocking };
  const known = parts.filter((part): part is { rho: number; note?: string } => part !== null);
  const notes = known.flatMap((part) => (part.note === undefined ? [] : [part.note]));
  const regularized =
    known.length < parts.length ? null : { rho: known.reduce((sum, part) => sum + part.rho, 0), ...(notes.length > 0 ? { note: notes.join('; ') } : {}) };
  if (regularized === null) {
    const jacobian = diracJacobianByAutograd(config);
    return {
      eigenvalues: eigenvalues2(jacobian),
      jacobian,
      note: `no closed form for regularizer '${regName}': Jacobian by autograd at (0, 0)`,
    };
  }
  let jacobian: Matrix2 = [
    [0, -derivatives.gFake],
    [-derivatives.dFake, -regularized.rho],
  ];
  if (config.optimizer === 'consensus') jacobian = minus(jacobian, scale(config.consensusGamma, multiply(transpose(jacobian), jacobian)));
  return { eigenvalues: eigenvalues2(jacobian), jacobian, ...(regularized.note === undefined ? {} : { note: regularized.note }) };
}

/** The same Jacobian by autograd through the whole game (losses, penalties, noise, consensus): −∂field/∂(θ, ψ). */
export function diracJacobianByAutograd(config: DiracConfig, at: [number, number] = [0, 0]): Matrix2 {
  const { field } = diracGame(config);
  const row = (component: DiracField['theta']) =>
    tf.tidy(() => {
      // + 0·(θ + ψ): a component that does not depend on one of them has a zero partial, which tf.grads would reject.
      const grads = tf.grads((theta: tf.Tensor, psi: tf.Tensor) => tf.add(component(theta, psi, 0), tf.mul(0, tf.add(theta, psi))))([
        tf.scalar(at[0]),
        tf.scalar(at[1]),
      ]);
      return grads.map((g) => -(g.dataSync()[0] as number)) as [number, number];
    });
  return [row(field.theta), row(field.psi)];
}

const transpose = (m: Matrix2): Matrix2 => [
  [m[0][0], m[1][0]],
  [m[0][1], m[1][1]],
];
const multiply = (a: Matrix2, b: Matrix2): Matrix2 => [
  [a[0][0] * b[0][0] + a[0][1] * b[1][0], a[0][0] * b[0][1] + a[0][1] * b[1][1]],
  [a[1][0] * b[0][0] + a[1][1] * b[1][0], a[1][0] * b[0][1] + a[1][1] * b[1][1]],
];
const scale = (s: number, m: Matrix2): Matrix2 => [
  [s * m[0][0], s * m[0][1]],
  [s * m[1][0], s * m[1][1]],
];
const minus = (a: Matrix2, b: Matrix2): Matrix2 => [
  [a[0][0] - b[0][0], a[0][1] - b[0][1]],
  [a[1][0] - b[1][0], a[1][1] - b[1][1]],
];
