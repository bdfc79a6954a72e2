/**
 * A discrete distribution's probabilities, checked (finite, ≥ 0, not all 0) and normalized to sum
 * to 1 — scipy.stats.entropy does the same, so counts can be passed as they are.
 */
export function normalizedDistribution(name: string, p: ArrayLike<number>): Float64Array {
  if (p.length === 0) throw new Error(`${name}: empty distribution`);
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    const v = p[i] as number;
    if (!Number.isFinite(v) || v < 0) throw new Error(`${name}[${i}]: ${v} is not allowed; probabilities must be finite and ≥ 0`);
    sum += v;
  }
  if (sum === 0) throw new Error(`${name}: all probabilities are 0`);
  return Float64Array.from(p, (v) => v / sum);
}

/** Both distributions, normalized, after checking they are on the same support (same length). */
export function distributionPair(p: ArrayLike<number>, q: ArrayLike<number>): [Float64Array, Float64Array] {
  if (p.length !== q.length) throw new Error(`q: length ${q.length} does not match p's length ${p.length}; both must be on one support`);
  return [normalizedDistribution('p', p), normalizedDistribution('q', q)];
}

/** Weighted atoms on the real line: support points and their weights (uniform when omitted). */
export type Atoms = readonly number[] | { values: ArrayLike<number>; weights?: ArrayLike<number> };

/** Atoms as values and normalized weights, checked. */
export function normalizedAtoms(name: string, atoms: Atoms): { values: Float64Array; weights: Float64Array } {
  const { values, weights } = Array.isArray(atoms)
    ? { values: atoms as readonly number[], weights: undefined }
    : (atoms as { values: ArrayLike<number>; weights?: ArrayLike<number> });
  if (values.length === 0) throw new Error(`${name}: no atoms`);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new Error(`${name}.values[${i}]: ${values[i]} is not a finite number`);
  }
  if (weights !== undefined && weights.length !== values.length) {
    throw new Error(`${name}.weights: length ${weights.length} does not match ${values.length} values`);
  }
  return { values: Float64Array.from(values), weights: normalizedDistribution(`${name}.weights`, weights ?? new Float64Array(values.length).fill(1)) };
}

/**
 * Two sets of atoms as two distributions on their merged support (equal values merge), so
 * KL and JS apply: δ0 and δθ become p = [1, 0], q = [0, 1] for θ ≠ 0, and p = q = [1] for θ = 0.
 */
export function alignSupports(a: Atoms, b: Atoms): { support: number[]; p: number[]; q: number[] } {
  const na = normalizedAtoms('a', a);
  const nb = normalizedAtoms('b', b);
  const support = [...new Set([...na.values, ...nb.values])].sort((x, y) => x - y);
  const index = new Map(support.map((x, i) => [x, i]));
  const p = new Array<number>(support.length).fill(0);
  const q = new Array<number>(support.length).fill(0);
  na.values.forEach((x, i) => {
    const k = index.get(x) as number;
    p[k] = (p[k] as number) + (na.weights[i] as number);
  });
  nb.values.forEach((x, i) => {
    const k = index.get(x) as number;
    q[k] = (q[k] as number) + (nb.weights[i] as number);
  });
  return { support, p, q };
}
