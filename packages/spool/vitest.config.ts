import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Real child processes and SQLite files on a shared 2-core machine: generous, never relied on.
    testTimeout: 120_000,
    pool: 'forks',
  },
});
