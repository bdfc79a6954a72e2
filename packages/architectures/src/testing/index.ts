/** @ganbench/architectures/testing — references for tests (an independent σ_max); not part of the runtime API. */
export { largestSingularValue } from './largestSingularValue.js';
