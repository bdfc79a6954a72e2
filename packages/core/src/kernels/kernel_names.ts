/** LeakyRelu's gradient as one kernel: dx = x > 0 ? dy : α·dy (inputs dy, x; attr alpha). Registered on wasm and cpu. */
export const LEAKY_RELU_GRAD = 'GanbenchLeakyReluGrad';
