import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // One `next build` (about a minute on 2 cores) plus two `next start`s.
    testTimeout: 60_000,
    hookTimeout: 300_000,
    pool: 'forks',
  },
});
