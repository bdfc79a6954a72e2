import {
  AdamOptimizer,
  type DataId,
  engine,
  getBackend,
  getKernel,
  type KernelConfig,
  type NamedAttrMap,
  registerKernel,
  type Scalar,
  type Tensor,
  type TensorInfo,
  mul as tfMul,
  sub as tfSub,
  tidy,
  type Variable,
  zerosLike,
} from '@tensorflow/tfjs-core';
import { simdLoopsFor } from '../kernels/wasm/simd_loops.js';

/** One Adam update of one variable in one kernel: outputs [value, m, v]; see adamUpdate. */
export const ADAM_UPDATE = 'GanbenchAdamUpdate';

interface AdamAttrs {
  beta1: number;
  beta2: number;
  learningRate: number;
  epsilon: number;
}

const f = Math.fround;

/** Adam's constants rounded to float32, in the order the update takes them: β₁, 1 − β₁, β₂, 1 − β₂, 1 − β₁ᵗ, 1 − β₂ᵗ, ε, −lr. */
function adamConstants(attrs: AdamAttrs, oneMinusAccBeta1: number, oneMinusAccBeta2: number) {
  return [
    f(attrs.beta1),
    f(1 - attrs.beta1),
    f(attrs.beta2),
    f(1 - attrs.beta2),
    f(oneMinusAccBeta1),
    f(oneMinusAccBeta2),
    f(attrs.epsilon),
    f(-attrs.learningRate),
  ] as const;
}

/**
 * tfjs's AdamOptimizer.applyGradients, element by element, each operation rounded to float32 in
 * tfjs's order (m·β₁ + g·(1 − β₁), v·β₂ + g²·(1 − β₂), m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ),
 * θ + (m̂ / (√v̂ + ε))·(−lr)): the same bits as its 14 kernels, which the cpu and wasm backends
 * round the same way (+, −, ×, ÷ and √ are correctly rounded in float32 and in float64 rounded to float32).
 */
export function adamUpdate(
  value: Float32Array,
  m: Float32Array,
  v: Float32Array,
  gradient: Float32Array,
  oneMinusAccBeta1: number,
  oneMinusAccBeta2: number,
  attrs: AdamAttrs,
  out: { value: Float32Array; m: Float32Array; v: Float32Array },
): void {
  const [b1, c1, b2, c2, a1, a2, eps, step] = adamConstants(attrs, oneMinusAccBeta1, oneMinusAccBeta2);
  const n = value.length;
  for (let i = 0; i < n; i++) {
    const g = gradient[i] as number;
    const newM = f(f((m[i] as number) * b1) + f(g * c1));
    const newV = f(f((v[i] as number) * b2) + f(f(g * g) * c2));
    const mHat = f(newM / a1);
    const vHat = f(newV / a2);
    out.m[i] = newM;
    out.v[i] = newV;
    out.value[i] = f(f(f(mHat / f(f(Math.sqrt(vHat)) + eps)) * step) + (value[i] as number));
  }
}

type AdamInputs = { value: TensorInfo; m: TensorInfo; v: TensorInfo; gradient: TensorInfo; oneMinusAccBeta1: TensorInfo; oneMinusAccBeta2: TensorInfo };

interface WasmBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

interface CpuBackend {
  data: { get(dataId: DataId): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

function adamWasm(args: { inputs: AdamInputs; backend: WasmBackend; attrs: AdamAttrs }): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const shape = [...inputs.value.shape];
  const outputs = [backend.makeOutput(shape, 'float32'), backend.makeOutput(shape, 'float32'), backend.makeOutput(shape, 'float32')] as const;
  // Views after every allocation: an allocation may grow the heap and detach earlier ones.
  const heap = (t: TensorInfo) => backend.typedArrayFromHeap(t);
  const [value, m, v, gradient] = [heap(inputs.value), heap(inputs.m), heap(inputs.v), heap(inputs.gradient)] as const;
  const out = { value: heap(outputs[0]), m: heap(outputs[1]), v: heap(outputs[2]) };
  const a1 = heap(inputs.oneMinusAccBeta1)[0] as number;
  const a2 = heap(inputs.oneMinusAccBeta2)[0] as number;
  // four floats a step in the SIMD loop, the tail (and everything without SIMD) in adamUpdate: the same roundings
  const loops = simdLoopsFor(backend);
  const vectors = loops === null ? 0 : value.length >> 2;
  if (vectors > 0) {
    const constants = adamConstants(attrs, a1, a2);
    loops?.adam(
      value.byteOffset,
      m.byteOffset,
      v.byteOffset,
      gradient.byteOffset,
      out.value.byteOffset,
      out.m.byteOffset,
      out.v.byteOffset,
      vectors,
      ...constants,
    );
  }
  const tail = (t: Float32Array) => t.subarray(4 * vectors);
  adamUpdate(tail(value), tail(m), tail(v), tail(gradient), a1, a2, attrs, { value: tail(out.value), m: tail(out.m), v: tail(out.v) });
  return [...outputs];
}

function adamCpu(args: { inputs: AdamInputs; backend: CpuBackend; attrs: AdamAttrs }): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const shape = [...inputs.value.shape];
  const values = (t: TensorInfo) => backend.data.get(t.dataId).values;
  const n = inputs.value.shape.reduce((p, d) => p * d, 1);
  const out = { value: new Float32Array(n), m: new Float32Array(n), v: new Float32Array(n) };
  adamUpdate(
    values(inputs.value),
    values(inputs.m),
    values(inputs.v),
    values(inputs.gradient),
    values(inputs.oneMinusAccBeta1)[0] as number,
    values(inputs.oneMinusAccBeta2)[0] as number,
    attrs,
    out,
  );
  return [
    backend.makeTensorInfo(shape, 'float32', out.value),
    backend.makeTensorInfo(shape, 'float32', out.m),
    backend.makeTensorInfo(shape, 'float32', out.v),
  ];
}

const KERNELS: Record<'wasm' | 'cpu', KernelConfig> = {
  wasm: { kernelName: ADAM_UPDATE, backendName: 'wasm', kernelFunc: adamWasm as unknown as KernelConfig['kernelFunc'] },
  cpu: { kernelName: ADAM_UPDATE, backendName: 'cpu', kernelFunc: adamCpu as unknown as KernelConfig['kernelFunc'] },
};

/** The fused kernel's backend, registering it on first use; null where tfjs's own Adam runs (webgpu, tensorflow). */
function fusedBackend(): 'wasm' | 'cpu' | null {
  const name = getBackend();
  if (name !== 'wasm' && name !== 'cpu') return null;
  if (getKernel(ADAM_UPDATE, name) === undefined) registerKernel(KERNELS[name]);
  return name;
}

/** What AdamOptimizer keeps that its typings mark protected. */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: Variable;
  accBeta2: Variable;
  accumulatedFirstMoment: { originalName: string; variable: Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: Variable }[];
  incrementIterations(): void;
}

/**
 * tfjs's Adam with each variable's update in one kernel instead of 14 (plus six scalar uploads)
 * on the cpu and wasm backends, bit for bit the same values; a tiny network's step is mostly such
 * per-kernel overhead. Slots, checkpoints (getWeights/setWeights) and other backends are tfjs's.
 */
export class FusedAdamOptimizer extends AdamOptimizer {
  override applyGradients(variableGradients: Parameters<AdamOptimizer['applyGradients']>[0]): void {
    if (fusedBackend() === null) {
      super.applyGradients(variableGradients);
      return;
    }
    const self = this as unknown as AdamState;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const attrs: AdamAttrs = { beta1: self.beta1, beta2: self.beta2, learningRate: self.learningRate, epsilon: self.epsilon };
    tidy(() => {
      const oneMinusAccBeta1 = tfSub(1, self.accBeta1);
      const oneMinusAccBeta2 = tfSub(1, self.accBeta2);
      names.forEach((name, i) => {
        const value = engine().registeredVariables[name] as Variable;
        self.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tidy(() => zerosLike(value).variable(false)) };
        self.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tidy(() => zerosLike(value).variable(false)) };
        const gradient = Array.isArray(variableGradients) ? variableGradients[i]?.tensor : variableGradients[name];
        if (gradient == null) return;
        const m = self.accumulatedFirstMoment[i].variable;
        const v = self.accumulatedSecondMoment[i].variable;
        const [newValue, newM, newV] = engine().runKernel(
          ADAM_UPDATE,
          { value, m, v, gradient, oneMinusAccBeta1, oneMinusAccBeta2 },
          attrs as unknown as NamedAttrMap,
        ) as Tensor[];
        m.assign(newM as Tensor);
        v.assign(newV as Tensor);
        value.assign(newValue as Tensor);
      });
      self.accBeta1.assign(tfMul(self.accBeta1, self.beta1) as Scalar);
      self.accBeta2.assign(tfMul(self.accBeta2, self.beta2) as Scalar);
    });
    self.incrementIterations();
  }
}

/** tf.train.adam's signature, fused on cpu and wasm. */
export function fusedAdam(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon: number | null = null): AdamOptimizer {
  return new FusedAdamOptimizer(learningRate, beta1, beta2, epsilon as number);
}
