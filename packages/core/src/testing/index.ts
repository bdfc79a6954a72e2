/** @ganbench/core/testing — helpers for tests of this and other packages (and plugins); not part of the runtime API. */
export { checkGradients, type GradientCheck, testValues } from './finiteDifferences.js';
export { expectClose, onCpuAndWebgpu, webgpuSkipReason } from './webgpu.js';
