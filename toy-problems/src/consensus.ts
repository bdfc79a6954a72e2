import { tf } from '@ganbench/core';
import type { DiracField } from './dirac.js';

/**
 * Consensus optimization (Mescheder, Nowozin, Geiger 2017, Eq. 8): each player follows its own
 * gradient plus γ·∇(½‖g‖²), g the joint gradient of the game, so both also descend the norm of
 * the field; its Jacobian is J − γJᵀJ, which pushes imaginary eigenvalues to the left half-plane.
 */
export function consensusField(field: DiracField, gamma: number): DiracField {
  const halfSquaredNorm = (step: number) => (theta: tf.Tensor, psi: tf.Tensor) =>
    tf.mul(0.5, tf.add(tf.square(field.theta(theta, psi, step)), tf.square(field.psi(theta, psi, step)))) as tf.Tensor;
  const normGradient = (theta: tf.Tensor, psi: tf.Tensor, step: number) => tf.grads(halfSquaredNorm(step))([theta, psi]) as [tf.Tensor, tf.Tensor];
  return {
    theta: (theta, psi, step) => tf.add(field.theta(theta, psi, step), tf.mul(gamma, normGradient(theta, psi, step)[0])) as tf.Tensor,
    psi: (theta, psi, step) => tf.add(field.psi(theta, psi, step), tf.mul(gamma, normGradient(theta, psi, step)[1])) as tf.Tensor,
  };
}
