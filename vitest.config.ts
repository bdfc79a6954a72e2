import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'bench/src/**/*.test.ts', 'toy-problems/src/**/*.test.ts', 'test/**/*.test.ts'],
    // Each file selects a backend for the whole tfjs engine: separate processes keep files apart.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
